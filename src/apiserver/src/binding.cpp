#include "binding.h"

#include "codec.h"
#include "schema/schema.h"
#include "object/meta.h"
#include "status.h"

namespace k3s::apiserver {
namespace {

// Sets PodScheduled=True, keeping the condition's transition time when it already was True.
void mark_scheduled(Json& pod) {
  Json& status = pod["status"];
  if (!status.is_object()) status = Json::object();
  Json& conditions = status["conditions"];
  if (!conditions.is_array()) conditions = Json::array();
  const std::string now = object::format_time(object::now());
  for (auto& c : conditions) {
    if (c.value("type", "") != "PodScheduled") continue;
    if (c.value("status", "") != "True") c["lastTransitionTime"] = now;
    c["status"] = "True";
    c.erase("reason");
    c.erase("message");
    return;
  }
  conditions.push_back({{"type", "PodScheduled"}, {"status", "True"}, {"lastProbeTime", nullptr},
                        {"lastTransitionTime", now}});
}

}  // namespace

http::Response handle_binding(ApiContext& ctx, ResourceRequest& req) {
  const auto& t = *req.type;
  if (req.verb != "create") throw method_not_supported(t.group, t.resource + "/binding", req.verb);
  std::vector<std::string> duplicates;
  Json binding = decode_typed_body(req.http->body, req.http->headers.get("Content-Type"), {"", "v1", "Binding"}, duplicates);
  if (!binding.is_object()) throw bad_request("the body of the request was in an unknown format");
  const std::string bound_name = object::name_of(binding);
  if (!bound_name.empty() && bound_name != req.name) {
    throw bad_request("the name of the object (" + bound_name + ") does not match the name on the URL (" + req.name +
                      ")");
  }
  const Json target = binding.value("target", Json::object());
  const std::string node = target.is_object() ? target.value("name", "") : "";
  const std::string target_kind = target.is_object() ? target.value("kind", "") : "";
  if (node.empty()) {
    throw invalid("", "Binding", req.name,
                  Json::array({{{"reason", "FieldValueRequired"}, {"message", "Required value"}, {"field", "target.name"}}}),
                  "target.name: Required value");
  }
  if (!target_kind.empty() && target_kind != "Node") {
    throw invalid("", "Binding", req.name,
                  Json::array({{{"reason", "FieldValueNotSupported"},
                                {"message", "Unsupported value: \"" + target_kind + "\": supported values: \"Node\""},
                                {"field", "target.kind"}}}),
                  "target.kind: Unsupported value: \"" + target_kind + "\": supported values: \"Node\"");
  }
  const bool dry_run = req.param("dryRun") == "All";
  const Json annotations = binding.value("metadata", Json::object()).value("annotations", Json::object());
  auto result = ctx.storage.update(
      t, req.ns, req.name,
      [&](const Json& current) -> std::optional<Json> {
        if (object::is_being_deleted(current)) {
          throw conflict(t.group, t.resource + "/binding", req.name,
                         "pod " + req.name + " is being deleted, cannot be assigned to a host");
        }
        const std::string assigned = current.value("spec", Json::object()).value("nodeName", "");
        if (!assigned.empty()) {
          throw conflict(t.group, t.resource + "/binding", req.name,
                         "pod " + req.name + " is already assigned to node \"" + assigned + "\"");
        }
        Json next = current;
        next["spec"]["nodeName"] = node;
        if (annotations.is_object()) {
          for (const auto& [key, value] : annotations.items()) {
            if (value.is_string()) object::set_annotation(next, key, value.get<std::string>());
          }
        }
        mark_scheduled(next);
        return next;
      },
      dry_run);
  (void)result;
  return json_response(201, {{"kind", "Status"},
                             {"apiVersion", "v1"},
                             {"metadata", Json::object()},
                             {"status", "Success"},
                             {"code", 201}});
}

}  // namespace k3s::apiserver
