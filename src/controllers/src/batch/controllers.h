// The batch, policy, certificates, autoscaling and storage controllers of this folder; each
// factory registers its informer handlers and returns the controller (see register.cpp).
#pragma once

#include <memory>

#include "controller.h"

namespace k3s::controllers::batch {

std::unique_ptr<Controller> make_job_controller(ControllerContext& context);
std::unique_ptr<Controller> make_cronjob_controller(ControllerContext& context);
std::unique_ptr<Controller> make_ttl_after_finished_controller(ControllerContext& context);
std::unique_ptr<Controller> make_disruption_controller(ControllerContext& context);
std::unique_ptr<Controller> make_resource_quota_controller(ControllerContext& context);
std::unique_ptr<Controller> make_csr_approving_controller(ControllerContext& context);
std::unique_ptr<Controller> make_csr_signing_controller(ControllerContext& context);
std::unique_ptr<Controller> make_hpa_controller(ControllerContext& context);
std::unique_ptr<Controller> make_pv_binder_controller(ControllerContext& context);

// The controller (kind `kind`) of an object, as "namespace/name", or "" when it has none.
std::string controller_key(const Json& object, const std::string& kind);

}  // namespace k3s::controllers::batch
