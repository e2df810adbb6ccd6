#include "admission_plugins.h"

#include "context.h"
#include "object/meta.h"
#include "object/pod_resources.h"

namespace k3s::apiserver {

ApiError pod_forbidden(const Json& pod, const std::string& why) {
  return ApiError(403, "Forbidden", "pods \"" + object::name_of(pod) + "\" is forbidden: " + why,
                  {{"name", object::name_of(pod)}, {"kind", "pods"}});
}

// kube-apiserver's order of the mutating plugins that apply here.
void admit_create(ApiContext& ctx, const ResourceRequest& req, Json& object, bool dry_run) {
  const std::string& kind = req.type->group.empty() ? req.type->kind : "";
  if (kind == "Pod") admit_limit_range(ctx, req, object);
  if (kind == "Pod" || kind == "Secret") admit_service_account(ctx, req, object);
  if (kind == "Pod") admit_priority(ctx, req, object);
  if (kind == "Pod") admit_runtime_class(ctx, req, object);
  if (kind == "PersistentVolumeClaim") admit_default_storage_class(ctx, req, object);
  // The QoS class is computed once the resources are final (kube's PrepareForCreate runs
  // after mutating admission).
  if (kind == "Pod") object["status"]["qosClass"] = object::pod_qos_class(object);
  admit_resource_quota(ctx, req, object, dry_run);
}

}  // namespace k3s::apiserver
