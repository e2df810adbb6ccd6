// Pure Job logic shared by the job, cronjob and ttl-after-finished controllers: conditions,
// completed-index sets, podFailurePolicy matching and the pod-recreation backoff.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace k3s::controllers::batch {

using Json = nlohmann::json;

inline constexpr const char* kJobTrackingFinalizer = "batch.kubernetes.io/job-tracking";
inline constexpr const char* kJobCompletionIndex = "batch.kubernetes.io/job-completion-index";
inline constexpr const char* kControllerUidLabel = "batch.kubernetes.io/controller-uid";
inline constexpr const char* kLegacyControllerUidLabel = "controller-uid";
inline constexpr const char* kJobNameLabel = "batch.kubernetes.io/job-name";
inline constexpr const char* kLegacyJobNameLabel = "job-name";
inline constexpr const char* kCronJobScheduledTimestamp = "batch.kubernetes.io/cronjob-scheduled-timestamp";

// The condition of `type` with status "True", or nullptr.
const Json* true_condition(const Json& object, const std::string& type);
// "Complete" or "Failed" when the job has that condition True, else "".
std::string job_finished_type(const Json& job);
inline bool is_job_finished(const Json& job) { return !job_finished_type(job).empty(); }
// When the job finished: the finished condition's lastTransitionTime (completionTime for
// a Complete job when set).
std::optional<std::chrono::sys_seconds> job_finish_time(const Json& job);

// Sets (or updates) a condition in status.conditions; returns true when anything changed.
// The lastTransitionTime changes only with the status.
bool set_condition(Json& status, const std::string& type, const std::string& condition_status,
                   const std::string& reason, const std::string& message, const std::string& now);

// completedIndexes text ("1,3-5,7") <-> set of indexes below `completions`.
std::set<int> parse_indexes(const std::string& text, int completions);
std::string format_indexes(const std::set<int>& indexes);

// The pod's completion index (annotation, else label), or -1.
int completion_index_of(const Json& pod);

// The result of matching a failed pod against spec.podFailurePolicy.
struct FailurePolicyMatch {
  std::string action;  // "FailJob" | "Ignore" | "Count" | "FailIndex"; "" when no rule matched
  std::string message;  // for FailJob: the Failed condition's message
};
FailurePolicyMatch match_pod_failure_policy(const Json& job, const Json& pod);

// kube's pod-recreation backoff after `failures` consecutive failures: 10 s doubling, at
// most 6 minutes (0 when there were none).
std::chrono::seconds pod_failure_backoff(int failures);

}  // namespace k3s::controllers::batch
