#include "discovery.h"

#include <map>

namespace k3s::apiserver {

namespace {

Json group_json(const Registry::GroupVersions& g) {
  Json versions = Json::array();
  for (const auto& v : g.versions) versions.push_back({{"groupVersion", g.group + "/" + v}, {"version", v}});
  return {{"name", g.group}, {"versions", versions}, {"preferredVersion", versions.front()}};
}

// What kube-apiserver says of a subresource: its verbs and the kind (with group/version when
// it differs from the parent's) a request to it takes and returns.
struct SubresourceInfo {
  Json verbs = Json::array();
  std::string group, version, kind;
};

SubresourceInfo subresource_info(const ResourceType& t, const std::string& sub) {
  SubresourceInfo s;
  s.group = t.group;
  s.version = t.version;
  s.kind = t.kind;
  if (sub == "status" || sub == "scale" || sub == "ephemeralcontainers" || sub == "approval")
    s.verbs = {"get", "patch", "update"};
  else if (sub == "binding" || sub == "eviction" || sub == "token")
    s.verbs = {"create"};
  else if (sub == "log")
    s.verbs = {"get"};
  else if (sub == "exec" || sub == "attach" || sub == "portforward")
    s.verbs = {"create", "get"};
  else if (sub == "proxy")
    s.verbs = {"create", "delete", "get", "patch", "update"};
  else if (sub == "finalize")
    s.verbs = {"update"};
  if (sub == "scale") s = {s.verbs, "autoscaling", "v1", "Scale"};
  if (sub == "eviction") s = {s.verbs, "policy", "v1", "Eviction"};
  if (sub == "binding") s.kind = "Binding";
  if (sub == "token") s = {s.verbs, "authentication.k8s.io", "v1", "TokenRequest"};
  return s;
}

Json resource_discovery(const ResourceType& t) {
  Json r = {{"resource", t.resource},
            {"responseKind", {{"group", t.group}, {"version", t.version}, {"kind", t.kind}}},
            {"scope", t.namespaced ? "Namespaced" : "Cluster"},
            {"singularResource", t.singular},
            {"verbs", t.verbs}};
  if (!t.short_names.empty()) r["shortNames"] = t.short_names;
  if (!t.categories.empty()) r["categories"] = t.categories;
  if (!t.subresources.empty()) {
    Json subs = Json::array();
    for (const auto& sub : t.subresources) {
      SubresourceInfo info = subresource_info(t, sub);
      subs.push_back({{"subresource", sub},
                      {"responseKind", {{"group", info.group}, {"version", info.version}, {"kind", info.kind}}},
                      {"verbs", info.verbs}});
    }
    r["subresources"] = subs;
  }
  return r;
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
      SubresourceInfo info = subresource_info(*t, sub);
      Json s = {{"name", t->resource + "/" + sub}, {"singularName", ""}, {"namespaced", t->namespaced},
                {"kind", info.kind}, {"verbs", info.verbs}};
      if (info.group != t->group || info.version != t->version) {
        s["group"] = info.group;
        s["version"] = info.version;
      }
      resources.push_back(s);
    }
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", resources}};
}

std::string aggregated_discovery_version(const std::string& accept) {
  std::size_t pos = 0;
  while (pos <= accept.size()) {
    std::size_t end = accept.find(',', pos);
    if (end == std::string::npos) end = accept.size();
    std::string range = accept.substr(pos, end - pos);
    pos = end + 1;
    std::map<std::string, std::string> params;
    std::string type;
    std::size_t p = 0;
    for (bool first = true; p <= range.size(); first = false) {
      std::size_t semi = range.find(';', p);
      if (semi == std::string::npos) semi = range.size();
      std::string part = range.substr(p, semi - p);
      p = semi + 1;
      part.erase(0, part.find_first_not_of(" \t"));
      part.erase(part.find_last_not_of(" \t") + 1);
      if (first) {
        type = part;
        continue;
      }
      auto eq = part.find('=');
      if (eq != std::string::npos) params[part.substr(0, eq)] = part.substr(eq + 1);
    }
    const bool json = type == "application/json";
    if (params.count("g") || params.count("as")) {
      // Only the JSON encoding of the discovery list is served; a protobuf range is skipped.
      if (json && params["g"] == "apidiscovery.k8s.io" && params["as"] == "APIGroupDiscoveryList" &&
          (params["v"] == "v2" || params["v"] == "v2beta1"))
        return params["v"];
      continue;
    }
    if (json || type == "*/*" || type == "application/*") return "";
  }
  return "";
}

std::string aggregated_discovery_content_type(const std::string& version) {
  return "application/json;g=apidiscovery.k8s.io;v=" + version + ";as=APIGroupDiscoveryList";
}

Json aggregated_discovery(const Registry& registry, bool core, const std::string& version) {
  Json items = Json::array();
  for (const auto& g : registry.groups()) {
    if (g.group.empty() != core) continue;
    Json versions = Json::array();
    for (const auto& v : g.versions) {
      Json resources = Json::array();
      for (const auto& t : registry.resources(g.group, v)) resources.push_back(resource_discovery(*t));
      versions.push_back({{"version", v}, {"resources", resources}, {"freshness", "Current"}});
    }
    Json metadata = Json::object();
    if (!core) metadata["name"] = g.group;
    items.push_back({{"metadata", metadata}, {"versions", versions}});
  }
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", "apidiscovery.k8s.io/" + version},
          {"metadata", Json::object()},
          {"items", items}};
}

}  // namespace k3s::apiserver
