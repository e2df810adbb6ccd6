#include "discovery.h"

namespace k3s::apiserver {

namespace {

Json group_json(const Registry::GroupVersions& g) {
  Json versions = Json::array();
  for (const auto& v : g.versions) versions.push_back({{"groupVersion", g.group + "/" + v}, {"version", v}});
  return {{"name", g.group}, {"versions", versions}, {"preferredVersion", versions.front()}};
}

// Verbs of a subresource as kube-apiserver lists them.
Json subresource_verbs(const std::string& sub) {
  if (sub == "status" || sub == "scale") return {"get", "patch", "update"};
  if (sub == "binding" || sub == "eviction" || sub == "token") return {"create"};
  if (sub == "ephemeralcontainers") return {"get", "patch", "update"};
  if (sub == "log") return {"get"};
  if (sub == "exec" || sub == "attach" || sub == "portforward") return {"create", "get"};
  if (sub == "proxy") return {"create", "delete", "get", "patch", "update"};
  if (sub == "approval") return {"get", "patch", "update"};
  if (sub == "finalize") return {"update"};
  return Json::array();
}

}  // namespace

Json core_api_versions(const std::string& server_address) {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

Json api_group_list(const Registry& registry) {
  Json groups = Json::array();
  for (const auto& g : registry.groups()) {
    if (g.group.empty()) continue;
    groups.push_back(group_json(g));
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

Json api_group(const Registry& registry, const std::string& group) {
  for (const auto& g : registry.groups()) {
    if (g.group != group || group.empty()) continue;
    Json out = group_json(g);
    out["kind"] = "APIGroup";
    out["apiVersion"] = "v1";
    return out;
  }
  return nullptr;
}

Json api_resource_list(const Registry& registry, const std::string& group, const std::string& version) {
  auto types = registry.resources(group, version);
  if (types.empty()) return nullptr;
  Json resources = Json::array();
  for (const auto& t : types) {
    Json r = {{"name", t->resource}, {"singularName", t->singular}, {"namespaced", t->namespaced},
              {"kind", t->kind},     {"verbs", t->verbs}};
    if (!t->short_names.empty()) r["shortNames"] = t->short_names;
    if (!t->categories.empty()) r["categories"] = t->categories;
    resources.push_back(r);
    for (const auto& sub : t->subresources) {
      Json s = {{"name", t->resource + "/" + sub}, {"singularName", ""}, {"namespaced", t->namespaced},
                {"kind", t->kind}, {"verbs", subresource_verbs(sub)}};
      if (sub == "scale") {
        s["group"] = "autoscaling";
        s["version"] = "v1";
        s["kind"] = "Scale";
      }
      if (sub == "eviction") {
        s["group"] = "policy";
        s["version"] = "v1";
        s["kind"] = "Eviction";
      }
      if (sub == "binding") s["kind"] = "Binding";
      if (sub == "token") {
        s["group"] = "authentication.k8s.io";
        s["version"] = "v1";
        s["kind"] = "TokenRequest";
      }
      resources.push_back(s);
    }
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", resources}};
}

}  // namespace k3s::apiserver
