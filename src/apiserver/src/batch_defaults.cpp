#include "batch_defaults.h"

#include "object/meta.h"

namespace k3s::apiserver {

namespace {

using Json = nlohmann::json;

void default_job(Json& job) {
  Json& spec = job["spec"];
  if (!spec.is_object()) return;  // validation reports it
  if (!spec.contains("completions") && !spec.contains("parallelism")) {
    spec["completions"] = 1;
    spec["parallelism"] = 1;
  }
  if (!spec.contains("parallelism")) spec["parallelism"] = 1;
  if (!spec.contains("backoffLimit")) spec["backoffLimit"] = spec.contains("backoffLimitPerIndex") ? 2147483647 : 6;
  if (!spec.contains("completionMode")) spec["completionMode"] = "NonIndexed";
  if (!spec.contains("suspend")) spec["suspend"] = false;
  if (!spec.contains("podReplacementPolicy"))
    spec["podReplacementPolicy"] = spec.contains("podFailurePolicy") ? "Failed" : "TerminatingOrFailed";
  if (spec.value("manualSelector", false)) return;
  // Without a manual selector the Job selects its pods by its own uid, and its pod
  // template carries that label (plus the legacy unprefixed ones kube still sets).
  const std::string uid = object::uid_of(job), name = object::name_of(job);
  Json& template_ = spec["template"];
  if (!template_.is_object()) template_ = Json::object();
  for (const auto& [key, value] : {std::pair<const char*, std::string>{"batch.kubernetes.io/controller-uid", uid},
                                   {"batch.kubernetes.io/job-name", name},
                                   {"controller-uid", uid},
                                   {"job-name", name}})
    if (!object::label(template_, key)) object::set_label(template_, key, value);
  spec["selector"] = {{"matchLabels", {{"batch.kubernetes.io/controller-uid", uid}}}};
}

void default_cronjob(Json& cronjob) {
  Json& spec = cronjob["spec"];
  if (!spec.is_object()) return;
  if (!spec.contains("concurrencyPolicy")) spec["concurrencyPolicy"] = "Allow";
  if (!spec.contains("suspend")) spec["suspend"] = false;
  if (!spec.contains("successfulJobsHistoryLimit")) spec["successfulJobsHistoryLimit"] = 3;
  if (!spec.contains("failedJobsHistoryLimit")) spec["failedJobsHistoryLimit"] = 1;
}

}  // namespace

void prepare_batch_create(const ResourceType& type, Json& object) {
  if (type.group != "batch" || !object.is_object()) return;
  if (type.kind == "Job") default_job(object);
  if (type.kind == "CronJob") default_cronjob(object);
}

}  // namespace k3s::apiserver
