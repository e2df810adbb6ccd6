// Finishing the deletion of terminating namespaces: everything inside is deleted (objects
// with finalizers are marked and waited for), then the "kubernetes" finalizer is dropped and
// the namespace removed. kube-controller-manager's namespace controller does this in
// Kubernetes; it lives here until the controllers component takes it over.
#pragma once

#include "context.h"

namespace k3s::apiserver {

// One pass over the namespaces being deleted; cheap when there are none. Never throws.
void finalize_terminating_namespaces(ApiContext& ctx);

}  // namespace k3s::apiserver
