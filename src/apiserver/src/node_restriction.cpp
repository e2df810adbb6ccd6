#include "node_restriction.h"

#include <algorithm>

#include "codec.h"
#include "context.h"
#include "object/meta.h"

namespace k3s::apiserver {

namespace {

constexpr std::string_view kNodeUserPrefix = "system:node:";

ApiError node_forbidden(const ResourceRequest& req, const std::string& why) {
  const std::string what = qualified_resource(req.type->group, req.type->resource);
  return ApiError(403, "Forbidden",
                  what + (req.name.empty() ? "" : " \"" + req.name + "\"") + " is forbidden: " + why,
                  {{"name", req.name}, {"kind", req.type->resource}});
}

// The node a kubelet identity speaks for, "" for every other user.
std::string node_of(const UserInfo& user) {
  if (!user.name.starts_with(kNodeUserPrefix)) return "";
  if (std::find(user.groups.begin(), user.groups.end(), "system:nodes") == user.groups.end()) return "";
  return user.name.substr(kNodeUserPrefix.size());
}

std::string node_name_of_pod(const Json& pod) { return pod.value("spec", Json::object()).value("nodeName", ""); }

Json request_body(const ResourceRequest& req) {
  std::vector<std::string> duplicates;
  Json body = decode_body(req.http->body, req.http->headers.get("Content-Type"), duplicates);
  return body.is_object() ? body : Json::object();
}

void check_pod(ApiContext& ctx, const ResourceRequest& req, const std::string& node) {
  if (req.verb == "create" && req.subresource.empty()) {
    const Json pod = request_body(req);
    const Json annotations = pod.value("metadata", Json::object()).value("annotations", Json::object());
    if (!annotations.is_object() || !annotations.contains("kubernetes.io/config.mirror"))
      throw node_forbidden(req, "pod does not have \"kubernetes.io/config.mirror\" annotation, node \"" + node +
                                    "\" can only create mirror pods");
    if (node_name_of_pod(pod) != node)
      throw node_forbidden(req, "node \"" + node + "\" can only create pods with spec.nodeName set to itself");
    return;
  }
  if (req.verb == "deletecollection") throw node_forbidden(req, "node \"" + node + "\" can only delete pods one by one");
  if (req.verb == "update" || req.verb == "patch") {
    if (req.subresource != "status") throw node_forbidden(req, "node \"" + node + "\" can only update pod status");
  }
  auto pod = ctx.read_through("", "v1", "pods", req.ns, req.name);
  if (!pod) return;  // the handler answers 404
  if (node_name_of_pod(*pod) == node) return;
  if (req.subresource == "status")
    throw node_forbidden(req, "node \"" + node + "\" can only update pod status for pods with spec.nodeName set to itself");
  if (req.subresource == "eviction")
    throw node_forbidden(req, "node \"" + node + "\" can only evict pods with spec.nodeName set to itself");
  throw node_forbidden(req, "node \"" + node + "\" can only delete pods with spec.nodeName set to itself");
}

void check_token_request(ApiContext& ctx, const ResourceRequest& req, const std::string& node) {
  const Json ref = request_body(req).value("spec", Json::object()).value("boundObjectRef", Json::object());
  if (!ref.is_object() || ref.value("kind", "") != "Pod")
    throw node_forbidden(req, "node requested token not bound to a pod");
  auto pod = ctx.read_through("", "v1", "pods", req.ns, ref.value("name", ""));
  if (!pod) throw node_forbidden(req, "node requested token bound to a pod that does not exist");
  if (!ref.value("uid", "").empty() && object::uid_of(*pod) != ref.value("uid", ""))
    throw node_forbidden(req, "the UID in the bound object reference does not match the pod");
  if (node_name_of_pod(*pod) != node)
    throw node_forbidden(req, "node requested token bound to a pod scheduled on a different node");
}

}  // namespace

void enforce_node_restriction(ApiContext& ctx, const ResourceRequest& req) {
  const std::string& verb = req.verb;
  if (verb == "get" || verb == "list" || verb == "watch") return;
  const std::string node = node_of(req.user);
  if (node.empty()) return;
  const auto& t = *req.type;
  if (t.group.empty() && t.resource == "pods") return check_pod(ctx, req, node);
  if (t.group.empty() && t.resource == "nodes") {
    const std::string target = verb == "create" ? object::name_of(request_body(req)) : req.name;
    if (verb == "deletecollection" || target != node)
      throw node_forbidden(req, "node \"" + node + "\" is not allowed to modify node \"" + target + "\"");
    return;
  }
  if (t.group.empty() && t.resource == "serviceaccounts" && req.subresource == "token")
    return check_token_request(ctx, req, node);
  if (t.group == "coordination.k8s.io" && t.resource == "leases" && req.ns == "kube-node-lease") {
    const std::string target = verb == "create" ? object::name_of(request_body(req)) : req.name;
    if (target != node)
      throw node_forbidden(req, "can only access node lease with the same name as the requesting node");
  }
}

}  // namespace k3s::apiserver
