#include "controller.h"
#include "core/core_controllers.h"

namespace k3s::controllers {

// The cluster-housekeeping controllers, under kube-controller-manager's names.
void register_core_controllers(std::vector<ControllerDescriptor>& out) {
  out.push_back({"namespace", core::make_namespace_controller});
  out.push_back({"garbage-collector", core::make_garbage_collector});
  out.push_back({"serviceaccount", core::make_serviceaccount_controller});
  out.push_back({"root-ca-cert-publisher", core::make_root_ca_cert_publisher});
  out.push_back({"node-lifecycle", core::make_node_lifecycle_controller});
  out.push_back({"node-ipam", core::make_node_ipam_controller});
  out.push_back({"endpoints", core::make_endpoints_controller});
  out.push_back({"endpointslice", core::make_endpointslice_controller});
  out.push_back({"kubernetes-endpoints", core::make_kubernetes_endpoints_controller});
  out.push_back({"pod-gc", core::make_pod_gc_controller});
}

}  // namespace k3s::controllers
