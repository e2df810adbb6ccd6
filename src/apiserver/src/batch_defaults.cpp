#include "batch_defaults.h"

#include "object/meta.h"
#include "pod_defaults.h"

namespace k3s::apiserver {

namespace {

using Json = nlohmann::json;

bool unset(const Json& o, const char* key) { return !o.contains(key) || o[key].is_null(); }

// A Job without labels takes its pod template's (SetDefaults_Job).
void labels_from_template(Json& job) {
  const Json& spec = job["spec"];
  if (!spec.contains("template") || !spec["template"].is_object()) return;
  const Json labels = spec["template"].value("metadata", Json::object()).value("labels", Json());
  if (labels.is_object() && !labels.empty() && object::labels_of(job).empty()) job["metadata"]["labels"] = labels;
}

void default_job(Json& job) {
  Json& spec = job["spec"];
  if (!spec.is_object()) return;  // validation reports it
  if (unset(spec, "completions") && unset(spec, "parallelism")) {
    spec["completions"] = 1;
    spec["parallelism"] = 1;
  }
  if (unset(spec, "parallelism")) spec["parallelism"] = 1;
  if (unset(spec, "backoffLimit")) spec["backoffLimit"] = spec.contains("backoffLimitPerIndex") ? 2147483647 : 6;
  if (unset(spec, "completionMode")) spec["completionMode"] = "NonIndexed";
  if (unset(spec, "suspend")) spec["suspend"] = false;
  if (unset(spec, "podReplacementPolicy"))
    spec["podReplacementPolicy"] = spec.contains("podFailurePolicy") ? "Failed" : "TerminatingOrFailed";
  if (spec.contains("template") && spec["template"].is_object()) default_pod_template(spec["template"]);
  labels_from_template(job);
}

void default_cronjob(Json& cronjob) {
  Json& spec = cronjob["spec"];
  if (!spec.is_object()) return;
  if (unset(spec, "concurrencyPolicy") || spec["concurrencyPolicy"] == "") spec["concurrencyPolicy"] = "Allow";
  if (unset(spec, "suspend")) spec["suspend"] = false;
  if (unset(spec, "successfulJobsHistoryLimit")) spec["successfulJobsHistoryLimit"] = 3;
  if (unset(spec, "failedJobsHistoryLimit")) spec["failedJobsHistoryLimit"] = 1;
  // Only the pod template inside jobTemplate is defaulted; the Job fields there stay as
  // written until the CronJob controller creates a Job from them.
  if (spec.contains("jobTemplate") && spec["jobTemplate"].is_object()) {
    Json& job_spec = spec["jobTemplate"]["spec"];
    if (job_spec.is_object() && job_spec.contains("template") && job_spec["template"].is_object())
      default_pod_template(job_spec["template"]);
  }
}

}  // namespace

void set_batch_defaults(const ResourceType& type, Json& object) {
  if (type.group != "batch" || !object.is_object()) return;
  if (type.kind == "Job") default_job(object);
  if (type.kind == "CronJob") default_cronjob(object);
}

void prepare_batch_create(const ResourceType& type, Json& job) {
  if (type.group != "batch" || type.kind != "Job" || !job.is_object()) return;
  Json& spec = job["spec"];
  if (!spec.is_object() || spec.value("manualSelector", false)) return;
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
  // kube copies these labels onto the Job when it next decodes it (reading it back);
  // the create returns what a read would.
  labels_from_template(job);
}

}  // namespace k3s::apiserver
