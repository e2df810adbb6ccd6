// The base of the endpoints and endpointslice controllers: queue keys are Services
// ("namespace/name"); a pod change enqueues every Service in its namespace whose selector
// matched the pod before or after the change.
#pragma once

#include "controller.h"

namespace k3s::controllers::core {

class ServicePodController : public QueueController {
 public:
  ServicePodController(ControllerContext& context, std::string name);

 protected:
  // The pods the Service selects (empty for a Service without selector).
  std::vector<ObjectPtr> selected_pods(const Json& service) const;
  static bool has_selector(const Json& service);

  std::shared_ptr<client::SharedInformer> services_, pods_;

 private:
  void pod_changed(const Json* old_pod, const Json* new_pod);
};

}  // namespace k3s::controllers::core
