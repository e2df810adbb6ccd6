#include "openapi.h"

#include <functional>
#include <sstream>

#include "schema/schema.h"

namespace k3s::apiserver {

namespace {

Json query_param(const std::string& name, const std::string& type = "string") {
  return {{"name", name}, {"in", "query"}, {"schema", {{"type", type}, {"uniqueItems", true}}}};
}

Json path_param(const std::string& name) {
  return {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
}

Json schema_ref(const std::string& definition) { return {{"$ref", "#/components/schemas/" + definition}}; }

Json json_content(const std::string& definition) {
  Json content = Json::object();
  for (const char* type : {"application/json", "application/yaml", "application/vnd.kubernetes.protobuf"})
    content[type] = {{"schema", schema_ref(definition)}};
  return content;
}

// `body` and `result` name definitions ("" for none): what the request carries and what a
// 200 answer holds.
Json operation(const ResourceType& t, const std::string& action, const std::string& verb_id, Json params,
               const std::string& body = "", const std::string& result = "") {
  Json gvk = {{"group", t.group}, {"version", t.version}, {"kind", t.kind}};
  Json ok = {{"description", "OK"}};
  if (!result.empty()) ok["content"] = json_content(result);
  Json op = {{"operationId", verb_id + t.kind},
             {"x-kubernetes-action", action},
             {"x-kubernetes-group-version-kind", gvk},
             {"parameters", std::move(params)},
             {"responses", {{"200", ok}, {"401", {{"description", "Unauthorized"}}}}}};
  if (!body.empty()) op["requestBody"] = {{"content", {{"*/*", {{"schema", schema_ref(body)}}}}}, {"required", true}};
  return op;
}

std::string gv_path_of(const std::string& group, const std::string& version) {
  return group.empty() ? "api/" + version : "apis/" + group + "/" + version;
}

}  // namespace

Json openapi_v3_root(const Registry& registry) {
  Json paths = Json::object();
  for (const auto& g : registry.groups()) {
    for (const auto& v : g.versions) {
      std::string p = gv_path_of(g.group, v);
      Json doc = openapi_v3_document(registry, p);
      std::ostringstream hash;
      hash << std::hex << std::uppercase << std::hash<std::string>{}(doc.dump());
      paths[p] = {{"serverRelativeURL", "/openapi/v3/" + p + "?hash=" + hash.str()}};
    }
  }
  return {{"paths", paths}};
}

Json openapi_v3_document(const Registry& registry, const std::string& gv_path) {
  std::string group, version;
  if (gv_path.rfind("api/", 0) == 0) {
    version = gv_path.substr(4);
  } else if (gv_path.rfind("apis/", 0) == 0) {
    auto rest = gv_path.substr(5);
    auto slash = rest.find('/');
    if (slash == std::string::npos) return nullptr;
    group = rest.substr(0, slash);
    version = rest.substr(slash + 1);
  } else {
    return nullptr;
  }
  auto types = registry.resources(group, version);
  if (types.empty()) return nullptr;
  const std::string base = "/" + gv_path_of(group, version);
  Json paths = Json::object();
  std::vector<schema::Kind> kinds;
  for (const auto& t : types) {
    const schema::Kind kind{t->group, t->version, t->kind};
    kinds.push_back(kind);
    const std::string def = schema::definition_name(kind);
    const std::string list_def = schema::definition_name({t->group, t->version, t->kind + "List"});
    std::string collection = base + (t->namespaced ? "/namespaces/{namespace}/" : "/") + t->resource;
    std::string item = collection + "/{name}";
    Json common = {query_param("pretty")};
    if (t->namespaced) common.push_back(path_param("namespace"));
    Json write_params = common;
    for (const char* p : {"dryRun", "fieldManager", "fieldValidation"}) write_params.push_back(query_param(p));
    Json list_params = common;
    for (const char* p : {"allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit",
                          "resourceVersion", "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds", "watch"})
      list_params.push_back(query_param(p));
    Json item_params = common;
    item_params.push_back(path_param("name"));
    Json item_write = write_params;
    item_write.push_back(path_param("name"));
    Json patch_params = item_write;
    patch_params.push_back(query_param("force", "boolean"));

    Json coll = Json::object();
    if (t->has_verb("list")) coll["get"] = operation(*t, "list", "list", list_params, "", list_def);
    if (t->has_verb("create")) coll["post"] = operation(*t, "post", "create", write_params, def, def);
    if (t->has_verb("deletecollection")) coll["delete"] = operation(*t, "deletecollection", "deleteCollection", list_params);
    paths[collection] = coll;
    Json one = Json::object();
    if (t->has_verb("get")) one["get"] = operation(*t, "get", "read", item_params, "", def);
    if (t->has_verb("update")) one["put"] = operation(*t, "put", "replace", item_write, def, def);
    if (t->has_verb("patch")) one["patch"] = operation(*t, "patch", "patch", patch_params, "", def);
    if (t->has_verb("delete")) one["delete"] = operation(*t, "delete", "delete", item_write);
    paths[item] = one;
    if (t->has_subresource("status")) {
      paths[item + "/status"] = {{"get", operation(*t, "get", "read" + std::string("Status"), item_params, "", def)},
                                 {"put", operation(*t, "put", "replaceStatus", item_write, def, def)},
                                 {"patch", operation(*t, "patch", "patchStatus", patch_params, "", def)}};
    }
  }
  Json schemas = Json::object();
  schema::add_definitions(kinds, schema::Flavor::kOpenApiV3, schemas);
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "Kubernetes"}, {"version", "v1.33.5+k3s1"}}},
          {"paths", paths},
          {"components", {{"schemas", std::move(schemas)}}}};
}

}  // namespace k3s::apiserver
