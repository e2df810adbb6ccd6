// Which nodes a DaemonSet's pod belongs on: the template's nodeName, nodeSelector and
// required node affinity must match the node, and every NoSchedule/NoExecute taint of the
// node must be tolerated (counting the tolerations the DaemonSet controller adds).
#pragma once

#include "controller.h"

namespace k3s::controllers::apps {

// The tolerations kube's DaemonSet controller adds to every daemon pod (network-unavailable
// only for hostNetwork pods), appended to `pod_spec` unless already present.
void add_daemon_tolerations(Json& pod_spec);

// Whether a pod with `pod_spec` (tolerations already including the daemon defaults) should
// run on `node`.
bool node_should_run(const Json& node, const Json& pod_spec);

// One toleration tolerating one taint (core/v1 helper semantics).
bool tolerates(const Json& toleration, const Json& taint);

}  // namespace k3s::controllers::apps
