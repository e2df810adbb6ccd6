// Small helpers the workload controllers (ReplicaSet, Deployment, StatefulSet, DaemonSet)
// share: reading optional spec fields with kube's defaults, selectors, pod lists from the
// shared pod cache, pod ordering, and status writes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/informer.h"
#include "controller.h"
#include "object/labels.h"

namespace k3s::controllers::apps {

// The integer at a JSON pointer, or `fallback` when absent or not an integer.
std::int64_t int_at(const Json& object, const char* pointer, std::int64_t fallback);
std::string string_at(const Json& object, const char* pointer, const std::string& fallback = {});

// spec.selector as a label selector: a metav1.LabelSelector (apps) or, for
// ReplicationControllers, a plain map. A missing or unparsable selector selects nothing.
object::labels::Selector selector_of(const Json& workload, bool map_selector = false);

// Labels of an object (metadata.labels) as a selector set.
object::labels::Set labels_set(const Json& object);

// Cached objects of one namespace.
std::vector<ObjectPtr> in_namespace(const client::SharedInformer& informer, const std::string& namespace_);

// kube's ActivePods ordering for scale-down: the pod that should go first sorts first
// (unscheduled, pending, not ready, ready for less time, more restarts, newer).
bool delete_first(const Json& a, const Json& b);

// Writes `status` through the status subresource when it differs from the object's;
// on a conflict re-reads the object once and retries. Returns the stored object.
Json write_status(client::Client& api, const client::GroupVersionResource& resource, const Json& object,
                  const Json& status);

// A resolved maxSurge / maxUnavailable: an int, or a percent of `total` rounded up or down.
// Throws std::invalid_argument for a malformed value ("25" as a string without "%").
std::int64_t scaled_value(const Json& int_or_percent, std::int64_t total, bool round_up);

// Conditions lists (status.conditions) by type.
const Json* find_condition(const Json& status, const std::string& type);
void set_condition(Json& status, Json condition);  // keeps lastTransitionTime if status unchanged
void remove_condition(Json& status, const std::string& type);

}  // namespace k3s::controllers::apps
