// The ResourceQuota admission plugin: a create that would take a namespace past one of its
// quotas is refused; an admitted one is charged to the quotas' status.used at once, so
// concurrent creates cannot overshoot before the quota controller recounts.
#include <set>
#include <vector>

#include "admission_plugins.h"
#include "context.h"
#include "object/meta.h"
#include "object/quota_usage.h"
#include "util/strings.h"

namespace k3s::apiserver {

namespace {

using object::Quantity;

ApiError quota_forbidden(const ResourceRequest& req, const Json& object, const std::string& why) {
  return ApiError(403, "Forbidden",
                  qualified_resource(req.type->group, req.type->resource) + " \"" + object::name_of(object) +
                      "\" is forbidden: " + why,
                  {{"name", object::name_of(object)}, {"kind", req.type->resource}});
}

Quantity quantity_or_zero(const Json& map, const std::string& key) {
  if (!map.is_object() || !map.contains(key)) return Quantity();
  try {
    return Quantity::from_json(map[key]);
  } catch (const std::exception&) {
    return Quantity();
  }
}

using util::join;

// A pod under a quota on a compute resource must say how much of it each container wants.
void require_compute_specified(const ResourceRequest& req, const Json& pod, const std::string& quota_name,
                               const Json& hard) {
  std::vector<std::string> missing;
  for (const auto& [key, _] : hard.items()) {
    std::string kind = "requests", resource = key;
    if (key.starts_with("requests.")) resource = key.substr(9);
    else if (key.starts_with("limits.")) kind = "limits", resource = key.substr(7);
    else if (key != "cpu" && key != "memory") continue;
    if (resource != "cpu" && resource != "memory") continue;
    std::vector<std::string> containers;
    for (const char* list : {"initContainers", "containers"}) {
      for (const auto& c : pod.value("spec", Json::object()).value(list, Json::array())) {
        const Json resources = c.value("resources", Json::object()).value(kind, Json::object());
        if (!resources.is_object() || !resources.contains(resource)) containers.push_back(c.value("name", ""));
      }
    }
    if (!containers.empty()) missing.push_back(key + " for: " + join(containers, ","));
  }
  if (!missing.empty())
    throw quota_forbidden(req, pod, "failed quota: " + quota_name + ": must specify " + join(missing, "; "));
}

}  // namespace

void admit_resource_quota(ApiContext& ctx, const ResourceRequest& req, const Json& object, bool dry_run) {
  if (!req.type->namespaced || req.ns.empty()) return;
  auto quota_type = ctx.registry.find("", "v1", "resourcequotas");
  WatchCache* quotas = quota_type ? ctx.cache_for(*quota_type) : nullptr;
  if (!quotas) return;
  ObjectFilter in_namespace;
  in_namespace.ns = req.ns;
  const auto listed = quotas->list(in_namespace, 0, "").items;
  const bool is_pod = req.type->group.empty() && req.type->resource == "pods";
  for (const auto& cached : listed) {
    const std::string name = object::name_of(cached->object);
    const Json spec_hard = cached->object.value("spec", Json::object()).value("hard", Json::object());
    const auto delta = object::object_quota_usage(req.type->group, req.type->resource, object, spec_hard);
    if (is_pod && object::pod_counts_for_quota(object)) require_compute_specified(req, object, name, spec_hard);
    if (delta.empty()) continue;
    // Checked and charged against the stored quota, retried on a concurrent change.
    try {
      ctx.storage.update(
          *quota_type, req.ns, name,
          [&](const Json& current) -> std::optional<Json> {
            const Json status = current.value("status", Json::object());
            const Json hard = status.value("hard", Json::object());
            const Json used = status.value("used", Json::object());
            std::vector<std::string> requested, in_use, limited;
            for (const auto& [key, amount] : delta) {
              if (!hard.is_object() || !hard.contains(key))
                throw quota_forbidden(req, object, "status unknown for quota: " + name + ", resource: " + key);
              const Quantity limit = quantity_or_zero(hard, key), now = quantity_or_zero(used, key);
              if (now + amount > limit) {
                requested.push_back(key + "=" + amount.to_string());
                in_use.push_back(key + "=" + now.to_string());
                limited.push_back(key + "=" + limit.to_string());
              }
            }
            if (!requested.empty())
              throw quota_forbidden(req, object,
                                    "exceeded quota: " + name + ", requested: " + join(requested, ",") +
                                        ", used: " + join(in_use, ",") + ", limited: " + join(limited, ","));
            Json next = current;
            for (const auto& [key, amount] : delta)
              next["status"]["used"][key] = (quantity_or_zero(used, key) + amount).to_json();
            return next;
          },
          dry_run);
    } catch (const ApiError& e) {
      if (e.code() != 404) throw;  // the quota went away meanwhile: nothing to charge
    }
  }
}

}  // namespace k3s::apiserver
