// Taints and tolerations as the node lifecycle controller needs them: matching (kube's
// Toleration.ToleratesTaint) and when a pod must leave a node tainted NoExecute.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "controller.h"
#include "object/meta.h"

namespace k3s::controllers::core {

inline constexpr const char* kTaintNotReady = "node.kubernetes.io/not-ready";
inline constexpr const char* kTaintUnreachable = "node.kubernetes.io/unreachable";
inline constexpr const char* kTaintOutOfService = "node.kubernetes.io/out-of-service";

bool tolerates(const Json& toleration, const Json& taint);

// When a pod with `tolerations` must be evicted from a node carrying `taints`: nullopt
// when no NoExecute taint concerns it or every one is tolerated forever; otherwise the
// time (a NoExecute taint not tolerated at all: its timeAdded, or `now` without one;
// tolerated for a while: timeAdded + the smallest tolerationSeconds).
std::optional<object::Timestamp> eviction_time(const Json& taints, const Json& tolerations, object::Timestamp now);

// The taints the node lifecycle controller manages for a Ready condition status ("True",
// "False", "Unknown"; none for "True" or an absent condition); NoExecute ones carry
// timeAdded = `now`.
Json condition_taints(const std::string& ready_status, const std::string& now);
// `current` with the managed taints replaced by `wanted`; managed taints already present
// with the same key and effect keep their timeAdded.
Json merge_condition_taints(const Json& current, const Json& wanted);

}  // namespace k3s::controllers::core
