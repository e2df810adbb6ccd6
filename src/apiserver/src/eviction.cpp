#include "eviction.h"

#include "codec.h"
#include "schema/schema.h"
#include "object/labels.h"
#include "object/meta.h"
#include "status.h"

namespace k3s::apiserver {

namespace {

constexpr const char* kViolation = "Cannot evict pod as it would violate the pod's disruption budget.";

ApiError too_many_requests(const std::string& cause) {
  return ApiError(429, "TooManyRequests", kViolation,
                  {{"causes", Json::array({{{"reason", "DisruptionBudget"}, {"message", cause}}})}});
}

// Pods that are done or not running yet can go without asking their budget (kube's
// canIgnorePDB).
bool can_ignore_budget(const Json& pod) {
  const std::string phase = pod.value("status", Json::object()).value("phase", "");
  return phase == "Succeeded" || phase == "Failed" || phase == "Pending" || object::is_being_deleted(pod);
}

std::vector<Json> budgets_for(ApiContext& ctx, const Json& pod) {
  std::vector<Json> out;
  WatchCache* cache = ctx.cache_for("policy", "v1", "poddisruptionbudgets");
  if (!cache) return out;
  ObjectFilter filter;
  filter.ns = object::namespace_of(pod);
  const auto labels = object::labels_of(pod);
  for (const auto& item : cache->list(filter, 0, "").items) {
    const Json selector_json = item->object.value("spec", Json::object()).value("selector", Json());
    try {
      const auto selector = object::labels::Selector::from_label_selector(selector_json);
      if (selector.empty() || selector.is_nothing()) continue;  // kube: an empty selector matches nothing here
      if (selector.matches(labels)) out.push_back(item->object);
    } catch (const std::exception&) {
    }
  }
  return out;
}

// Takes one disruption from the budget (optimistically, as kube records it in
// status.disruptedPods until the controller sees the pod go).
void charge_budget(ApiContext& ctx, const Json& budget, const std::string& pod_name, bool dry_run) {
  auto type = ctx.registry.find("policy", "v1", "poddisruptionbudgets");
  ctx.storage.update(
      *type, object::namespace_of(budget), object::name_of(budget),
      [&](const Json& current) -> std::optional<Json> {
        const Json status = current.value("status", Json::object());
        if (status.value("observedGeneration", std::int64_t{0}) < object::generation_of(current))
          throw too_many_requests("The disruption budget " + object::name_of(current) +
                                  " is still being processed by the server.");
        const std::int64_t allowed = status.value("disruptionsAllowed", std::int64_t{0});
        if (allowed < 0) throw ApiError(403, "Forbidden", "pdb disruptions allowed is negative");
        if (allowed == 0)
          throw too_many_requests("The disruption budget " + object::name_of(current) + " needs " +
                                  std::to_string(status.value("desiredHealthy", 0)) + " healthy pods and has " +
                                  std::to_string(status.value("currentHealthy", 0)) + " currently");
        Json next = current;
        next["status"]["disruptionsAllowed"] = allowed - 1;
        next["status"]["disruptedPods"][pod_name] = object::format_time(object::now());
        return next;
      },
      dry_run);
}

}  // namespace

http::Response handle_eviction(ApiContext& ctx, ResourceRequest& req) {
  const auto& t = *req.type;
  if (req.verb != "create") throw method_not_supported(t.group, t.resource + "/eviction", req.verb);
  std::vector<std::string> duplicates;
  const Json eviction =
      decode_typed_body(req.http->body, req.http->headers.get("Content-Type"), {"policy", "v1", "Eviction"}, duplicates);
  if (!eviction.is_object()) throw bad_request("the body of the request was in an unknown format");
  const std::string named = object::name_of(eviction);
  if (!named.empty() && named != req.name)
    throw bad_request("name in URL does not match name in Eviction object");
  const auto pod = ctx.storage.get(t, req.ns, req.name);
  if (!pod) throw not_found(t.group, t.resource, req.name);
  const bool dry_run = req.param("dryRun") == "All";
  if (!can_ignore_budget(*pod)) {
    const auto budgets = budgets_for(ctx, *pod);
    if (budgets.size() > 1)
      throw ApiError(500, "InternalError",
                     "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    if (budgets.size() == 1) charge_budget(ctx, budgets.front(), req.name, dry_run);
  }
  // The deletion itself is an ordinary one (finalizers, graceful termination on a node).
  http::Request delete_request = *req.http;
  const Json options = eviction.value("deleteOptions", Json());
  delete_request.body = options.is_object() ? options.dump() : "";
  delete_request.headers.set("Content-Type", "application/json");
  ResourceRequest deletion = req;
  deletion.http = &delete_request;
  deletion.verb = "delete";
  deletion.subresource.clear();
  handle_resource(ctx, deletion);
  return json_response(201, {{"kind", "Status"},
                             {"apiVersion", "v1"},
                             {"metadata", Json::object()},
                             {"status", "Success"},
                             {"code", 201}});
}

}  // namespace k3s::apiserver
