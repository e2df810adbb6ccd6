// Deployment arithmetic and bookkeeping with kube's semantics (deployment/util): surge and
// unavailability fenceposts, revision annotations, template identity, the status a set of
// ReplicaSets adds up to, and the Progressing/Available conditions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controller.h"

namespace k3s::controllers::apps {

inline constexpr const char* kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr const char* kRevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
inline constexpr const char* kDesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
inline constexpr const char* kMaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
inline constexpr const char* kPodTemplateHashLabel = "pod-template-hash";

// Condition reasons (kube's deployment util).
inline constexpr const char* kNewRSCreated = "NewReplicaSetCreated";
inline constexpr const char* kFoundNewRS = "FoundNewReplicaSet";
inline constexpr const char* kRSUpdated = "ReplicaSetUpdated";
inline constexpr const char* kNewRSAvailable = "NewReplicaSetAvailable";
inline constexpr const char* kTimedOut = "ProgressDeadlineExceeded";
inline constexpr const char* kPaused = "DeploymentPaused";
inline constexpr const char* kResumed = "DeploymentResumed";
inline constexpr const char* kMinimumAvailable = "MinimumReplicasAvailable";
inline constexpr const char* kMinimumUnavailable = "MinimumReplicasUnavailable";

using RSList = std::vector<Json>;

std::int64_t replicas_of(const Json& object);  // spec.replicas, default 1
bool is_rolling_update(const Json& deployment);
// {maxSurge, maxUnavailable} resolved against spec.replicas; both zero becomes {0, 1}.
std::pair<std::int64_t, std::int64_t> resolve_fenceposts(const Json& deployment);
std::int64_t max_surge(const Json& deployment);
std::int64_t max_unavailable(const Json& deployment);

std::int64_t revision_of(const Json& object);  // the revision annotation, 0 when absent/bad
std::int64_t max_revision(const RSList& sets);
// Copies the deployment's annotations and sets revision / replicas annotations on a new
// ReplicaSet; returns whether anything changed.
bool set_new_rs_annotations(const Json& deployment, Json& rs, std::int64_t new_revision, bool exists);
bool set_replicas_annotations(Json& rs, std::int64_t desired, std::int64_t max);
bool replicas_annotations_need_update(const Json& rs, std::int64_t desired, std::int64_t max);
std::optional<std::int64_t> int_annotation(const Json& object, const char* key);

// The two templates are the same apart from the pod-template-hash label.
bool equal_ignore_hash(const Json& template_a, const Json& template_b);
// The oldest ReplicaSet whose template matches the deployment's, or nullopt.
std::optional<Json> find_new_rs(const Json& deployment, const RSList& sets);
RSList old_rss(const RSList& sets, const std::optional<Json>& new_rs);

std::int64_t sum_spec_replicas(const RSList& sets);
std::int64_t sum_status(const RSList& sets, const char* field);  // status.<field>
RSList active_rss(const RSList& sets);                          // spec.replicas > 0
void sort_by_creation(RSList& sets);                            // oldest first
void sort_by_size_newer(RSList& sets);                          // larger first, then newer
void sort_by_size_older(RSList& sets);                          // larger first, then older

// The replicas a rolling update may give the new ReplicaSet now.
std::int64_t new_rs_new_replicas(const Json& deployment, const RSList& all, const Json& new_rs);
// The next status (counts + Available condition) the deployment's sets add up to.
Json calculate_status(const RSList& all, const std::optional<Json>& new_rs, const Json& deployment);

bool has_progress_deadline(const Json& deployment);
bool deployment_complete(const Json& deployment, const Json& status);
bool deployment_progressing(const Json& deployment, const Json& new_status);
bool deployment_timed_out(const Json& deployment, const Json& new_status);
Json deployment_condition(const std::string& type, const std::string& status, const std::string& reason,
                          const std::string& message);

}  // namespace k3s::controllers::apps
