#include "status.h"

namespace k3s::apiserver {

Json ApiError::to_status() const {
  Json status = {{"kind", "Status"},
                 {"apiVersion", "v1"},
                 {"metadata", Json::object()},
                 {"status", "Failure"},
                 {"message", what()},
                 {"reason", reason_},
                 {"code", code_}};
  if (!details_.is_null()) status["details"] = details_;
  if (reason_.empty()) status.erase("reason");
  return status;
}

std::string qualified_resource(const std::string& group, const std::string& resource) {
  return group.empty() ? resource : resource + "." + group;
}

static Json details_for(const std::string& group, const std::string& resource, const std::string& name) {
  Json d = {{"name", name}, {"kind", resource}};
  if (!group.empty()) d["group"] = group;
  return d;
}

ApiError not_found(const std::string& group, const std::string& resource, const std::string& name) {
  return ApiError(404, "NotFound", qualified_resource(group, resource) + " \"" + name + "\" not found",
                  details_for(group, resource, name));
}

ApiError already_exists(const std::string& group, const std::string& resource, const std::string& name) {
  return ApiError(409, "AlreadyExists", qualified_resource(group, resource) + " \"" + name + "\" already exists",
                  details_for(group, resource, name));
}

ApiError conflict(const std::string& group, const std::string& resource, const std::string& name,
                  const std::string& why) {
  return ApiError(409, "Conflict",
                  "Operation cannot be fulfilled on " + qualified_resource(group, resource) + " \"" + name +
                      "\": " + why,
                  details_for(group, resource, name));
}

ApiError bad_request(const std::string& message) { return ApiError(400, "BadRequest", message); }

ApiError invalid(const std::string& group, const std::string& kind, const std::string& name, Json causes,
                 const std::string& aggregate) {
  std::string qualified_kind = group.empty() ? kind : kind + "." + group;
  Json d = {{"name", name}, {"kind", kind}, {"causes", std::move(causes)}};
  if (!group.empty()) d["group"] = group;
  return ApiError(422, "Invalid", qualified_kind + " \"" + name + "\" is invalid: " + aggregate, d);
}

ApiError method_not_supported(const std::string& group, const std::string& resource, const std::string& verb) {
  Json d = {{"kind", resource}};
  if (!group.empty()) d["group"] = group;
  return ApiError(405, "MethodNotAllowed", verb + " is not supported on resources of kind \"" +
                                               qualified_resource(group, resource) + "\"",
                  d);
}

ApiError gone(const std::string& message) { return ApiError(410, "Expired", message); }

ApiError unauthorized() { return ApiError(401, "Unauthorized", "Unauthorized"); }

ApiError forbidden(const std::string& user, const std::string& verb, const std::string& group,
                   const std::string& resource, const std::string& subresource, const std::string& ns,
                   const std::string& name, const std::string& reason) {
  std::string res = subresource.empty() ? resource : resource + "/" + subresource;
  std::string msg;
  if (resource.empty()) {
    msg = "forbidden: User \"" + user + "\" cannot " + verb + " path \"" + name + "\"";
    return ApiError(403, "Forbidden", msg, Json::object());
  }
  msg = qualified_resource(group, res) + (name.empty() ? "" : " \"" + name + "\"") + " is forbidden: User \"" +
        user + "\" cannot " + verb + " resource \"" + res + "\" in API group \"" + group + "\"" +
        (ns.empty() ? " at the cluster scope" : " in the namespace \"" + ns + "\"") +
        (reason.empty() ? "" : ": " + reason);
  Json d = {{"kind", resource}};
  if (!name.empty()) d["name"] = name;
  if (!group.empty()) d["group"] = group;
  return ApiError(403, "Forbidden", msg, d);
}

ApiError not_acceptable(const std::string& message) { return ApiError(406, "NotAcceptable", message); }

ApiError unsupported_media_type(const std::string& content_type) {
  return ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media "
                                               "types include: application/json, application/yaml, "
                                               "application/json-patch+json, application/merge-patch+json, "
                                               "application/strategic-merge-patch+json (got \"" +
                                                   content_type + "\")");
}

ApiError internal_error(const std::string& message) {
  return ApiError(500, "InternalError", "Internal error occurred: " + message,
                  Json{{"causes", Json::array({{{"message", message}}})}});
}

ApiError service_unavailable(const std::string& message) { return ApiError(503, "ServiceUnavailable", message); }

ApiError too_large(const std::string& message) { return ApiError(413, "RequestEntityTooLarge", message); }

ApiError timeout_error(const std::string& message) { return ApiError(504, "Timeout", message); }

Json success_status(const std::string& group, const std::string& kind, const std::string& name,
                    const std::string& uid) {
  Json d = {{"name", name}, {"kind", kind}, {"uid", uid}};
  if (!group.empty()) d["group"] = group;
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", Json::object()}, {"status", "Success"},
          {"details", d}};
}

}  // namespace k3s::apiserver
