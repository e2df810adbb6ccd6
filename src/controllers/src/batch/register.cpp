#include "batch/controllers.h"

namespace k3s::controllers {

void register_batch_controllers(std::vector<ControllerDescriptor>& out) {
  out.push_back({"job", batch::make_job_controller});
  out.push_back({"cronjob", batch::make_cronjob_controller});
  out.push_back({"ttl-after-finished", batch::make_ttl_after_finished_controller});
  out.push_back({"disruption", batch::make_disruption_controller});
  out.push_back({"csrapproving", batch::make_csr_approving_controller});
  out.push_back({"csrsigning", batch::make_csr_signing_controller});
  out.push_back({"persistentvolume-binder", batch::make_pv_binder_controller});
  out.push_back({"resourcequota", batch::make_resource_quota_controller});
  out.push_back({"horizontalpodautoscaling", batch::make_hpa_controller});
}

}  // namespace k3s::controllers
