// The "cronjob" controller (kube's cronjob-controller v2): creates a Job for every due
// activation of spec.schedule in spec.timeZone, within concurrencyPolicy and
// startingDeadlineSeconds, tracks status.active/lastScheduleTime/lastSuccessfulTime and
// trims finished Jobs to the history limits.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "batch/controllers.h"
#include "batch/cronjob_schedule.h"
#include "batch/job_util.h"
#include "controller_utils.h"
#include "object/meta.h"

namespace k3s::controllers::batch {

namespace {

using client::resources::kCronJobs;
using client::resources::kJobs;
namespace chrono = std::chrono;

constexpr const char* kOwnerIndex = "batch-owner-uid";

Seconds to_seconds(object::Timestamp t) { return chrono::floor<chrono::seconds>(t); }
std::string format_utc(Seconds t) { return object::format_time(chrono::time_point_cast<chrono::microseconds>(t)); }

// RFC 1123 with a numeric zone, as Go's time.RFC1123Z (used in kube's MissSchedule event).
std::string format_rfc1123z(Seconds t) {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto day = chrono::floor<chrono::days>(t);
  const chrono::year_month_day ymd(day);
  const chrono::hh_mm_ss<chrono::seconds> time(t - day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02ld:%02ld:%02ld +0000",
                kDays[chrono::weekday(day).c_encoding()], static_cast<unsigned>(ymd.day()),
                kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                static_cast<long>(time.seconds().count()));
  return buf;
}

Json job_reference(const Json& job) {
  return {{"kind", "Job"},
          {"namespace", object::namespace_of(job)},
          {"name", object::name_of(job)},
          {"uid", object::uid_of(job)},
          {"apiVersion", "batch/v1"},
          {"resourceVersion", object::resource_version_of(job)}};
}

class CronJobController : public QueueController {
 public:
  explicit CronJobController(ControllerContext& context)
      : QueueController(context, "cronjob"),
        cronjobs_(informers().informer_for(kCronJobs)),
        jobs_(informers().informer_for(kJobs)) {
    jobs_->add_index(kOwnerIndex, client::index_by_owner_uid());
    cronjobs_->add_event_handler(enqueue_handlers(Deletes::ignore));
    auto job_changed = [this](const Json& job) {
      const std::string key = controller_key(job, "CronJob");
      if (!key.empty()) enqueue(key);
    };
    jobs_->add_event_handler({
        .on_add = [job_changed](const ObjectPtr& j) { job_changed(*j); },
        .on_update = [job_changed](const ObjectPtr&, const ObjectPtr& j) { job_changed(*j); },
        .on_delete = [job_changed](const client::DeletedObject& d) { if (d.object) job_changed(*d.object); },
    });
  }

 protected:
  void sync(const std::string& key) override {
    const ObjectPtr cached = cronjobs_->indexer().get(key);
    if (!cached) return;
    Json cronjob = *cached;
    cronjob["apiVersion"] = "batch/v1";
    cronjob["kind"] = "CronJob";
    std::vector<Json> children;
    for (const auto& j : jobs_->indexer().by_index(kOwnerIndex, object::uid_of(cronjob)))
      if (is_controlled_by(*j, cronjob)) children.push_back(*j);

    Json status = cronjob.value("status", Json::object());
    const Json old_status = status;
    reconcile_active(cronjob, children, status);
    std::optional<chrono::milliseconds> requeue;
    if (!object::is_being_deleted(cronjob)) requeue = schedule(cronjob, children, status);
    if (status != old_status) {
      Json next = cronjob;
      next["status"] = status;
      cronjob = api().update_status(kCronJobs, next);
    }
    if (!object::is_being_deleted(cronjob)) cleanup_history(cronjob, children);
    if (requeue) enqueue_after(key, *requeue);
  }

 private:
  // status.active against the Jobs that exist: finished ones leave it, vanished ones too.
  void reconcile_active(const Json& cronjob, const std::vector<Json>& children, Json& status) {
    Json active = status.value("active", Json::array());
    Json kept = Json::array();
    auto in_active = [&](const Json& job) {
      for (const auto& ref : active)
        if (ref.value("uid", "") == object::uid_of(job)) return true;
      return false;
    };
    for (const auto& job : children) {
      const bool listed = in_active(job);
      const std::string finished = job_finished_type(job);
      if (!listed && finished.empty()) {
        const auto scheduled = scheduled_time_of(job);
        const auto last = object::parse_time(status.value("lastScheduleTime", ""));
        if (scheduled && (!last || to_seconds(*last) < *scheduled))
          events().event(cronjob, client::kEventTypeNormal, "UnexpectedJob",
                         "Saw a job that the controller did not create or forgot: " + object::name_of(job));
      }
      if (listed && !finished.empty()) {
        events().event(cronjob, client::kEventTypeNormal, "SawCompletedJob",
                       "Saw completed job: " + object::name_of(job) + ", condition: " + finished);
        if (finished == "Complete") {
          const std::string completion = job.value("status", Json::object()).value("completionTime", "");
          const auto current = object::parse_time(status.value("lastSuccessfulTime", ""));
          const auto completed = object::parse_time(completion);
          if (completed && (!current || *current < *completed)) status["lastSuccessfulTime"] = completion;
        }
      }
    }
    for (const auto& ref : active) {
      const Json* job = nullptr;
      for (const auto& c : children)
        if (object::uid_of(c) == ref.value("uid", "")) job = &c;
      if (job) {
        if (job_finished_type(*job).empty()) kept.push_back(ref);
        continue;
      }
      // Not in the cache: ask the API before declaring it gone (the cache may lag a create).
      try {
        const Json live = api().get(kJobs, ref.value("namespace", object::namespace_of(cronjob)), ref.value("name", ""));
        if (object::uid_of(live) == ref.value("uid", "")) {
          if (job_finished_type(live).empty()) kept.push_back(ref);
          continue;
        }
      } catch (const client::ApiError& e) {
        if (!e.is_not_found()) throw;
      }
      events().event(cronjob, client::kEventTypeNormal, "MissingJob",
                     "Active job went missing: " + ref.value("name", ""));
    }
    if (kept.empty())
      status.erase("active");
    else
      status["active"] = kept;
  }

  static std::optional<Seconds> scheduled_time_of(const Json& job) {
    const auto text = object::annotation(job, kCronJobScheduledTimestamp);
    if (!text) return std::nullopt;
    const auto t = object::parse_time(*text);
    if (!t) return std::nullopt;
    return to_seconds(*t);
  }

  // Starts the due Job, if any; returns when to look again.
  std::optional<chrono::milliseconds> schedule(const Json& cronjob, const std::vector<Json>& children, Json& status) {
    const Json spec = cronjob.value("spec", Json::object());
    std::shared_ptr<const TimeZone> zone;
    const std::string zone_name = spec.value("timeZone", "");
    try {
      zone = TimeZone::load(zone_name);
    } catch (const TimeZoneError& e) {
      events().event(cronjob, client::kEventTypeWarning, "UnknownTimeZone",
                     "invalid timeZone: \"" + zone_name + "\": " + e.what());
      return std::nullopt;
    }
    if (spec.value("suspend", false)) return std::nullopt;
    const std::string schedule_text = spec.value("schedule", "");
    std::optional<CronSchedule> schedule;
    try {
      schedule = CronSchedule::parse(schedule_text);
    } catch (const std::invalid_argument& e) {
      events().event(cronjob, client::kEventTypeWarning, "UnparseableSchedule",
                     "unparseable schedule: \"" + schedule_text + "\" : " + e.what());
      return std::nullopt;
    }
    const Seconds now = to_seconds(object::now());
    Seconds earliest = now;
    if (auto last = object::parse_time(status.value("lastScheduleTime", "")))
      earliest = to_seconds(*last);
    else if (auto created = object::creation_timestamp_of(cronjob))
      earliest = to_seconds(*created);
    std::optional<std::int64_t> deadline;
    if (spec.contains("startingDeadlineSeconds") && spec["startingDeadlineSeconds"].is_number_integer())
      deadline = spec["startingDeadlineSeconds"].get<std::int64_t>();
    const MissedRuns runs = missed_runs(*schedule, *zone, earliest, now, deadline);
    auto requeue = [&]() -> std::optional<chrono::milliseconds> {
      if (!runs.next) return std::nullopt;
      return chrono::duration_cast<chrono::milliseconds>(*runs.next - now) + chrono::milliseconds(100);
    };
    if (!runs.most_recent) return requeue();
    if (runs.missed > 100)
      events().event(cronjob, client::kEventTypeWarning, "TooManyMissedTimes",
                     "too many missed start times: " + std::to_string(runs.missed) +
                         ". Set or decrease .spec.startingDeadlineSeconds or check clock skew");
    const Seconds scheduled = *runs.most_recent;
    if (deadline && scheduled + chrono::seconds(*deadline) < now) {
      events().event(cronjob, client::kEventTypeWarning, "MissSchedule",
                     "Missed scheduled time to start a job: " + format_rfc1123z(scheduled));
      return requeue();
    }
    const std::string job_name = scheduled_job_name(object::name_of(cronjob), scheduled);
    for (const auto& ref : status.value("active", Json::array()))
      if (ref.value("name", "") == job_name) return requeue();
    const std::string policy = spec.value("concurrencyPolicy", "Allow");
    const Json active = status.value("active", Json::array());
    if (policy == "Forbid" && !active.empty()) {
      events().event(cronjob, client::kEventTypeNormal, "JobAlreadyActive",
                     "Not starting job because prior execution is running and concurrency policy is Forbid");
      return requeue();
    }
    if (policy == "Replace") {
      for (const auto& ref : active) {
        client::DeleteOptions background;
        background.propagation_policy = "Background";
        try {
          api().remove(kJobs, ref.value("namespace", object::namespace_of(cronjob)), ref.value("name", ""), background);
          events().event(cronjob, client::kEventTypeNormal, "SuccessfulDelete", "Deleted job " + ref.value("name", ""));
        } catch (const client::ApiError& e) {
          if (!e.is_not_found()) {
            events().event(cronjob, client::kEventTypeWarning, "FailedDelete",
                           "Deleted job " + ref.value("name", "") + ": " + e.what());
            throw;
          }
        }
      }
      status.erase("active");
    }
    Json job = job_for(cronjob, job_name, scheduled, *zone);
    Json created;
    try {
      created = api().create(kJobs, job);
      events().event(cronjob, client::kEventTypeNormal, "SuccessfulCreate", "Created job " + job_name);
    } catch (const client::ApiError& e) {
      if (!e.is_already_exists()) {
        events().event(cronjob, client::kEventTypeWarning, "FailedCreate",
                       "Error creating job: " + std::string(e.what()));
        throw;
      }
      // Created by an earlier sync whose status write was lost: take it if it is ours.
      created = api().get(kJobs, object::namespace_of(cronjob), job_name);
      if (!is_controlled_by(created, cronjob)) return requeue();
      (void)children;
    }
    if (job_finished_type(created).empty()) status["active"].push_back(job_reference(created));
    status["lastScheduleTime"] = format_utc(scheduled);
    return requeue();
  }

  static Json job_for(const Json& cronjob, const std::string& name, Seconds scheduled, const TimeZone& zone) {
    const Json template_ = cronjob["spec"].value("jobTemplate", Json::object());
    Json job = {{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", Json::object()}};
    const Json meta = template_.value("metadata", Json::object());
    for (const char* field : {"labels", "annotations"})
      if (meta.contains(field) && meta[field].is_object()) job["metadata"][field] = meta[field];
    job["metadata"]["name"] = name;
    job["metadata"]["namespace"] = object::namespace_of(cronjob);
    object::set_annotation(job, kCronJobScheduledTimestamp, format_in_zone(scheduled, zone));
    job["metadata"]["ownerReferences"] = Json::array({make_controller_ref(cronjob, "batch/v1", "CronJob")});
    job["spec"] = template_.value("spec", Json::object());
    return job;
  }

  // Keeps the newest successfulJobsHistoryLimit (default 3) Complete and
  // failedJobsHistoryLimit (default 1) Failed Jobs.
  void cleanup_history(const Json& cronjob, const std::vector<Json>& children) {
    const Json spec = cronjob.value("spec", Json::object());
    auto limit_of = [&](const char* field, int fallback) {
      return spec.contains(field) && spec[field].is_number_integer() ? spec[field].get<int>() : fallback;
    };
    const int successful_limit = limit_of("successfulJobsHistoryLimit", 3);
    const int failed_limit = limit_of("failedJobsHistoryLimit", 1);
    std::vector<const Json*> succeeded, failed;
    for (const auto& j : children) {
      if (object::is_being_deleted(j)) continue;
      const std::string finished = job_finished_type(j);
      if (finished == "Complete") succeeded.push_back(&j);
      if (finished == "Failed") failed.push_back(&j);
    }
    auto trim = [&](std::vector<const Json*>& jobs, int limit) {
      if (static_cast<int>(jobs.size()) <= limit) return;
      auto started = [](const Json* j) {
        std::string t = j->value("status", Json::object()).value("startTime", "");
        return t.empty() ? (*j)["metadata"].value("creationTimestamp", "") : t;
      };
      std::sort(jobs.begin(), jobs.end(), [&](const Json* a, const Json* b) { return started(a) < started(b); });
      for (std::size_t i = 0; i + limit < jobs.size(); ++i) {
        client::DeleteOptions background;
        background.propagation_policy = "Background";
        try {
          api().remove(kJobs, object::namespace_of(*jobs[i]), object::name_of(*jobs[i]), background);
          events().event(cronjob, client::kEventTypeNormal, "SuccessfulDelete",
                         "Deleted job " + object::name_of(*jobs[i]));
        } catch (const client::ApiError& e) {
          if (!e.is_not_found()) throw;
        }
      }
    };
    trim(succeeded, successful_limit);
    trim(failed, failed_limit);
  }

  std::shared_ptr<client::SharedInformer> cronjobs_, jobs_;
};

}  // namespace

std::unique_ptr<Controller> make_cronjob_controller(ControllerContext& context) {
  return std::make_unique<CronJobController>(context);
}

}  // namespace k3s::controllers::batch
