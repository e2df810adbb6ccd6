// Request-only resources: who am I (SelfSubjectReview), may I / may they
// (Self/Local/SubjectAccessReview), and token reviews. Nothing is stored; the answer is
// computed from the caller's identity and the authorizer.
#include "reviews.h"

#include "codec.h"
#include "schema/schema.h"
#include "object/meta.h"
#include "status.h"

namespace k3s::apiserver {

namespace {

Json user_json(const UserInfo& user) {
  Json u = {{"username", user.name}, {"groups", user.groups}};
  if (!user.uid.empty()) u["uid"] = user.uid;
  if (!user.extra.empty()) u["extra"] = user.extra;
  return u;
}

Attributes attributes_from_spec(const Json& spec, const UserInfo& user, const std::string& forced_ns) {
  Attributes a;
  a.user = user;
  if (spec.contains("resourceAttributes") && spec["resourceAttributes"].is_object()) {
    const Json& r = spec["resourceAttributes"];
    a.resource_request = true;
    a.verb = r.value("verb", "");
    a.group = r.value("group", "");
    a.resource = r.value("resource", "");
    a.subresource = r.value("subresource", "");
    a.name = r.value("name", "");
    a.ns = forced_ns.empty() ? r.value("namespace", "") : forced_ns;
  } else if (spec.contains("nonResourceAttributes") && spec["nonResourceAttributes"].is_object()) {
    const Json& n = spec["nonResourceAttributes"];
    a.verb = n.value("verb", "");
    a.path = n.value("path", "");
  } else {
    throw ApiError(422, "Invalid", "spec: Invalid value: ...: exactly one of nonResourceAttributes or resourceAttributes must be specified");
  }
  return a;
}

Json decode(const std::string& body, const std::string& content_type, const schema::Kind& kind) {
  std::vector<std::string> duplicates;
  Json obj = decode_typed_body(body, content_type, kind, duplicates);
  if (!obj.contains("spec") || !obj["spec"].is_object()) obj["spec"] = Json::object();
  return obj;
}

}  // namespace

http::Response handle_review(ApiContext& ctx, ResourceRequest& req) {
  const auto& t = *req.type;
  if (req.verb != "create") throw method_not_supported(t.group, t.resource, req.verb);
  Json obj = decode(req.http->body, req.http->headers.get("Content-Type"), {t.group, t.version, t.kind});
  obj["apiVersion"] = t.api_version();
  obj["kind"] = t.kind;
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = Json::object();
  obj["metadata"]["creationTimestamp"] = nullptr;
  const Json spec = obj["spec"];
  if (t.kind == "SelfSubjectReview") {
    obj.erase("spec");
    obj["status"] = {{"userInfo", user_json(req.user)}};
  } else if (t.kind == "SelfSubjectAccessReview") {
    bool allowed = ctx.authorizer->allowed(attributes_from_spec(spec, req.user, ""));
    obj["status"] = {{"allowed", allowed}};
  } else if (t.kind == "SubjectAccessReview" || t.kind == "LocalSubjectAccessReview") {
    UserInfo subject{spec.value("user", ""), spec.value("uid", ""), {}};
    for (const auto& g : spec.value("groups", Json::array()))
      if (g.is_string()) subject.groups.push_back(g);
    if (subject.name.empty() && subject.groups.empty())
      throw ApiError(422, "Invalid", t.kind + ".authorization.k8s.io \"\" is invalid: spec.user: Invalid value: \"\": at least one of user or group must be specified");
    if (t.kind == "LocalSubjectAccessReview") {
      const std::string spec_ns = spec.value("resourceAttributes", Json::object()).value("namespace", "");
      if (spec_ns != req.ns)
        throw ApiError(422, "Invalid", "LocalSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes.namespace: Invalid value: \"" + spec_ns + "\": must match metadata.namespace");
      obj["metadata"]["namespace"] = req.ns;
    }
    bool allowed = ctx.authorizer->allowed(attributes_from_spec(spec, subject, t.kind == "LocalSubjectAccessReview" ? req.ns : ""));
    obj["status"] = {{"allowed", allowed}};
  } else if (t.kind == "SelfSubjectRulesReview") {
    Json resource_rules = Json::array(), non_resource_rules = Json::array();
    for (const auto& rule : ctx.authorizer->applicable_rules(req.user, spec.value("namespace", ""))) {
      if (!rule.is_object()) continue;
      if (rule.contains("nonResourceURLs")) {
        non_resource_rules.push_back(
            {{"verbs", rule.value("verbs", Json::array())}, {"nonResourceURLs", rule["nonResourceURLs"]}});
        continue;
      }
      Json r = {{"verbs", rule.value("verbs", Json::array())}};
      for (const char* key : {"apiGroups", "resources", "resourceNames"})
        if (rule.contains(key) && rule[key].is_array() && !rule[key].empty()) r[key] = rule[key];
      resource_rules.push_back(r);
    }
    obj["status"] = {{"resourceRules", resource_rules}, {"nonResourceRules", non_resource_rules}, {"incomplete", false}};
  } else if (t.kind == "TokenReview") {
    http::Request probe;
    probe.headers.set("Authorization", "Bearer " + spec.value("token", ""));
    auto user = ctx.authenticators.authenticate(probe);
    if (user)
      obj["status"] = {{"authenticated", true}, {"user", user_json(*user)}};
    else
      obj["status"] = {{"authenticated", false}, {"error", "the token could not be authenticated"}};
  } else {
    throw method_not_supported(t.group, t.resource, req.verb);
  }
  return json_response(201, obj);
}

}  // namespace k3s::apiserver
