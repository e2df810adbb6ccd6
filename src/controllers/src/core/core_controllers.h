// Constructors of the cluster-housekeeping controllers (core/), one per file; register.cpp
// lists them under kube-controller-manager's names.
#pragma once

#include <memory>

#include "controller.h"

namespace k3s::controllers::core {

std::unique_ptr<Controller> make_namespace_controller(ControllerContext& context);
std::unique_ptr<Controller> make_garbage_collector(ControllerContext& context);
std::unique_ptr<Controller> make_serviceaccount_controller(ControllerContext& context);
std::unique_ptr<Controller> make_root_ca_cert_publisher(ControllerContext& context);
std::unique_ptr<Controller> make_node_lifecycle_controller(ControllerContext& context);
std::unique_ptr<Controller> make_node_ipam_controller(ControllerContext& context);
std::unique_ptr<Controller> make_endpoints_controller(ControllerContext& context);
std::unique_ptr<Controller> make_endpointslice_controller(ControllerContext& context);
std::unique_ptr<Controller> make_pod_gc_controller(ControllerContext& context);
std::unique_ptr<Controller> make_kubernetes_endpoints_controller(ControllerContext& context);

}  // namespace k3s::controllers::core
