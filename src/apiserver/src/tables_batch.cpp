// batch/v1 Table printers: Job and CronJob.
#include "tables_internal.h"

namespace k3s::apiserver::tables {

namespace {

bool condition_true(const Json& obj, const std::string& type) {
  Json::json_pointer p("/status/conditions");
  if (!obj.contains(p) || !obj.at(p).is_array()) return false;
  for (const auto& c : obj.at(p))
    if (c.is_object() && c.value("type", "") == type && c.value("status", "") == "True") return true;
  return false;
}

std::string job_status(const Json& job) {
  if (condition_true(job, "Complete")) return "Complete";
  if (condition_true(job, "Failed")) return "Failed";
  if (object::is_being_deleted(job)) return "Terminating";
  if (condition_true(job, "SuccessCriteriaMet")) return "SuccessCriteriaMet";
  if (condition_true(job, "Suspended")) return "Suspended";
  if (condition_true(job, "FailureTarget")) return "FailureTarget";
  return "Running";
}

std::string job_completions(const Json& job) {
  const std::string done = std::to_string(int_at(job, "/status/succeeded"));
  Json::json_pointer completions("/spec/completions");
  if (job.contains(completions) && job.at(completions).is_number_integer())
    return done + "/" + std::to_string(job.at(completions).get<int64_t>());
  const int64_t parallelism = int_at(job, "/spec/parallelism");
  if (parallelism > 1) return done + "/1 of " + std::to_string(parallelism);
  return done + "/1";
}

std::string job_duration(const Json& job, object::Timestamp now) {
  auto start = object::parse_time(str_or(job, "/status/startTime", "").get<std::string>());
  if (!start) return "";
  auto end = object::parse_time(str_or(job, "/status/completionTime", "").get<std::string>());
  return human_duration(std::chrono::duration_cast<std::chrono::seconds>((end ? *end : now) - *start));
}

std::string suspend_cell(const Json& obj) {
  Json::json_pointer p("/spec/suspend");
  if (!obj.contains(p) || !obj.at(p).is_boolean()) return "<unset>";
  return obj.at(p).get<bool>() ? "True" : "False";
}

}  // namespace

void add_batch_printers(PrinterMap& map) {
  const Column selector{"Selector", "string", "", "The label selector of the pods.", 1};
  map["batch/Job"] = {{name_column(),
                       {"Status", "string", "", "Complete, Failed, Suspended, Running and the like.", 0},
                       {"Completions", "string", "", "Succeeded pods out of the completions wanted.", 0},
                       {"Duration", "string", "", "Time the job ran (or has been running).", 0},
                       age_column(), containers_column(), images_column(), selector},
                      [](const Json& o, const std::string& age, object::Timestamp now) {
                        auto [names, imgs] = template_containers(o, "/spec/template");
                        return Row{object::name_of(o), job_status(o), job_completions(o), job_duration(o, now), age,
                                   names, imgs, label_selector_text(object_at(o, "/spec/selector"))};
                      }};
  map["batch/CronJob"] = {{name_column(),
                           {"Schedule", "string", "", "The cron schedule.", 0},
                           {"Timezone", "string", "", "The time zone the schedule is read in.", 0},
                           {"Suspend", "boolean", "", "Whether new runs are held back.", 0},
                           {"Active", "integer", "", "Jobs running now.", 0},
                           {"Last Schedule", "string", "", "Time since a job was last scheduled.", 0},
                           age_column(), containers_column(), images_column(), selector},
                          [](const Json& o, const std::string& age, object::Timestamp now) {
                            auto [names, imgs] = template_containers(o, "/spec/jobTemplate/spec/template");
                            Json::json_pointer active("/status/active");
                            const std::size_t running = o.contains(active) && o.at(active).is_array() ? o.at(active).size() : 0;
                            return Row{object::name_of(o), str_or(o, "/spec/schedule", ""), str_or(o, "/spec/timeZone"),
                                       suspend_cell(o), running, since(o, "/status/lastScheduleTime", now), age, names, imgs,
                                       label_selector_text(object_at(o, "/spec/jobTemplate/spec/selector"))};
                          }};
}

}  // namespace k3s::apiserver::tables
