#include "admission_plugins.h"

#include "context.h"

namespace k3s::apiserver {

void admit_create(ApiContext& ctx, const ResourceRequest& req, Json& object) {
  if (req.type->group.empty() && (req.type->kind == "Pod" || req.type->kind == "Secret"))
    admit_service_account(ctx, req, object);
}

}  // namespace k3s::apiserver
