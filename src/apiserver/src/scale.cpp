#include "scale.h"

#include "codec.h"
#include "schema/schema.h"
#include "object/labels.h"
#include "object/meta.h"
#include "object/patch.h"
#include "status.h"

namespace k3s::apiserver {

namespace {

Json to_scale(const ResourceType& t, const Json& obj) {
  Json meta = {{"name", object::name_of(obj)},
               {"uid", object::uid_of(obj)},
               {"resourceVersion", object::resource_version_of(obj)}};
  if (t.namespaced) meta["namespace"] = object::namespace_of(obj);
  if (obj["metadata"].contains("creationTimestamp")) meta["creationTimestamp"] = obj["metadata"]["creationTimestamp"];
  const Json spec = obj.value("spec", Json::object());
  const Json status = obj.value("status", Json::object());
  // Selector text as kube prints it: matchLabels for apps types, a plain map for RCs.
  std::string selector;
  if (spec.contains("selector") && spec["selector"].is_object()) {
    try {
      const Json& sel = spec["selector"];
      bool label_selector = sel.contains("matchLabels") || sel.contains("matchExpressions");
      selector = label_selector ? object::labels::Selector::from_label_selector(sel).to_string()
                                : object::labels::format_set(object::labels_of(Json{{"metadata", {{"labels", sel}}}}));
    } catch (const std::exception&) {
    }
  }
  Json scale_status = {{"replicas", status.value("replicas", 0)}};
  if (!selector.empty()) scale_status["selector"] = selector;
  return {{"kind", "Scale"},
          {"apiVersion", "autoscaling/v1"},
          {"metadata", meta},
          {"spec", {{"replicas", spec.value("replicas", 0)}}},
          {"status", scale_status}};
}

}  // namespace

http::Response handle_scale(ApiContext& ctx, ResourceRequest& req) {
  const auto& t = *req.type;
  if (req.verb == "get") {
    auto obj = ctx.storage.get(t, req.ns, req.name);
    if (!obj) throw not_found(t.group, t.resource, req.name);
    return json_response(200, to_scale(t, *obj));
  }
  if (req.verb != "update" && req.verb != "patch") throw method_not_supported(t.group, t.resource + "/scale", req.verb);
  std::vector<std::string> duplicates;
  const std::string content_type = req.http->headers.get("Content-Type");
  Json body = decode_typed_body(req.http->body, content_type, {"autoscaling", "v1", "Scale"}, duplicates);
  const bool dry_run = req.param("dryRun") == "All";
  auto result = ctx.storage.update(
      t, req.ns, req.name,
      [&](const Json& current) -> std::optional<Json> {
        Json scale = to_scale(t, current);
        Json wanted;
        if (req.verb == "update") {
          wanted = body;
        } else {
          std::string media = content_type.substr(0, content_type.find(';'));
          try {
            if (media == "application/json-patch+json")
              wanted = object::patch::apply_json_patch(scale, body);
            else
              wanted = object::patch::apply_merge_patch(scale, body);  // Scale has no merge keys
          } catch (const object::patch::PatchError& e) {
            throw bad_request(e.what());
          }
        }
        std::string rv = wanted.value("metadata", Json::object()).value("resourceVersion", "");
        if (!rv.empty() && rv != object::resource_version_of(current))
          throw conflict(t.group, t.resource, req.name,
                         "the object has been modified; please apply your changes to the latest version and try again");
        Json replicas = wanted.value("spec", Json::object()).value("replicas", Json());
        if (!replicas.is_number_integer() || replicas.get<int64_t>() < 0) {
          throw ApiError(422, "Invalid", "Scale.autoscaling \"" + req.name + "\" is invalid: spec.replicas: Invalid value: " +
                                             replicas.dump() + ": must be greater than or equal to 0");
        }
        if (current.value("spec", Json::object()).value("replicas", -1) == replicas.get<int64_t>()) return std::nullopt;
        Json next = current;
        next["spec"]["replicas"] = replicas;
        if (!t.generation_field.empty())
          object::set_generation(next, std::max<int64_t>(1, object::generation_of(current)) + 1);
        return next;
      },
      dry_run);
  return json_response(200, to_scale(t, result.object));
}

}  // namespace k3s::apiserver
