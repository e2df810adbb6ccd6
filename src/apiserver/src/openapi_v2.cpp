#include "openapi_v2.h"

#include "openapi.h"
#include "schema/schema.h"

namespace k3s::apiserver {

namespace {

// Minimal protobuf wire writer: varints, length-delimited fields.
class ProtoWriter {
 public:
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void tag(int field, int wire_type) { varint((static_cast<uint64_t>(field) << 3) | wire_type); }
  void bytes(int field, const std::string& data) {
    tag(field, 2);
    varint(data.size());
    out_ += data;
  }
  void boolean(int field, bool v) {
    tag(field, 0);
    varint(v ? 1 : 0);
  }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

// Field numbers of gnostic's openapi.v2 messages.
namespace f {
constexpr int kDocSwagger = 1, kDocInfo = 2, kDocPaths = 8, kDocDefinitions = 9;
constexpr int kDefinitionsEntry = 1;
constexpr int kSchemaRef = 1, kSchemaFormat = 2, kSchemaDescription = 4, kSchemaRequired = 19,
              kSchemaAdditionalProperties = 21, kSchemaType = 22, kSchemaItems = 23, kSchemaProperties = 25,
              kSchemaVendorExtension = 31;
constexpr int kAdditionalPropertiesSchema = 1, kTypeValue = 1, kItemsSchema = 1, kPropertiesEntry = 1;
constexpr int kInfoTitle = 1, kInfoVersion = 2;
constexpr int kPathsPath = 2;
constexpr int kNamedName = 1, kNamedValue = 2;
constexpr int kPathGet = 2, kPathPut = 3, kPathPost = 4, kPathDelete = 5, kPathPatch = 8;
constexpr int kOpOperationId = 5, kOpParameters = 8, kOpVendorExtension = 13;
constexpr int kParametersItemParameter = 1;
constexpr int kParameterNonBody = 2;
constexpr int kNonBodyQuery = 3, kNonBodyPath = 4;
constexpr int kSubRequired = 1, kSubIn = 2, kSubName = 4;
constexpr int kAnyYaml = 2;
}  // namespace f

// A vendor extension's value as the YAML text gnostic's Any carries.
std::string extension_yaml(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>() + "\n";
  if (v.is_boolean()) return v.get<bool>() ? "true\n" : "false\n";
  if (v.is_array()) {
    std::string yaml;
    for (const auto& item : v) {
      bool first = true;
      for (auto& [k, val] : item.items()) {
        yaml += (first ? "- " : "  ") + k + ": \"" + val.get<std::string>() + "\"\n";
        first = false;
      }
    }
    return yaml;
  }
  return v.dump() + "\n";
}

std::string named_any(const std::string& name, const nlohmann::json& value) {
  ProtoWriter any;
  any.bytes(f::kAnyYaml, extension_yaml(value));
  ProtoWriter named;
  named.bytes(f::kNamedName, name);
  named.bytes(f::kNamedValue, any.str());
  return named.str();
}

// One JSON schema as gnostic's openapi.v2.Schema.
std::string encode_schema(const nlohmann::json& s) {
  ProtoWriter w;
  if (s.contains("$ref")) w.bytes(f::kSchemaRef, s["$ref"].get<std::string>());
  if (s.contains("format")) w.bytes(f::kSchemaFormat, s["format"].get<std::string>());
  if (s.contains("description")) w.bytes(f::kSchemaDescription, s["description"].get<std::string>());
  for (const auto& r : s.value("required", nlohmann::json::array())) w.bytes(f::kSchemaRequired, r.get<std::string>());
  if (s.contains("additionalProperties") && s["additionalProperties"].is_object()) {
    ProtoWriter item;
    item.bytes(f::kAdditionalPropertiesSchema, encode_schema(s["additionalProperties"]));
    w.bytes(f::kSchemaAdditionalProperties, item.str());
  }
  if (s.contains("type")) {
    ProtoWriter type;
    type.bytes(f::kTypeValue, s["type"].get<std::string>());
    w.bytes(f::kSchemaType, type.str());
  }
  if (s.contains("items")) {
    ProtoWriter items;
    items.bytes(f::kItemsSchema, encode_schema(s["items"]));
    w.bytes(f::kSchemaItems, items.str());
  }
  if (s.contains("properties")) {
    ProtoWriter props;
    for (auto& [name, prop] : s["properties"].items()) {
      ProtoWriter named;
      named.bytes(f::kNamedName, name);
      named.bytes(f::kNamedValue, encode_schema(prop));
      props.bytes(f::kPropertiesEntry, named.str());
    }
    w.bytes(f::kSchemaProperties, props.str());
  }
  for (auto& [key, value] : s.items())
    if (key.rfind("x-", 0) == 0) w.bytes(f::kSchemaVendorExtension, named_any(key, value));
  return w.str();
}

std::string encode_parameter(const nlohmann::json& p) {
  ProtoWriter sub;
  std::string in = p.value("in", "query");
  if (p.value("required", false)) sub.boolean(f::kSubRequired, true);
  sub.bytes(f::kSubIn, in);
  sub.bytes(f::kSubName, p.value("name", ""));
  ProtoWriter non_body;
  non_body.bytes(in == "path" ? f::kNonBodyPath : f::kNonBodyQuery, sub.str());
  ProtoWriter parameter;
  parameter.bytes(f::kParameterNonBody, non_body.str());
  ProtoWriter item;
  item.bytes(f::kParametersItemParameter, parameter.str());
  return item.str();
}

std::string encode_operation(const nlohmann::json& op) {
  ProtoWriter w;
  w.bytes(f::kOpOperationId, op.value("operationId", ""));
  for (const auto& p : op.value("parameters", nlohmann::json::array()))
    if (p.value("in", "") != "body") w.bytes(f::kOpParameters, encode_parameter(p));
  for (const char* ext : {"x-kubernetes-action", "x-kubernetes-group-version-kind"}) {
    if (!op.contains(ext)) continue;
    const auto& v = op[ext];
    std::string yaml;
    if (v.is_string()) {
      yaml = v.get<std::string>() + "\n";
    } else {
      for (auto& [k, val] : v.items()) yaml += k + ": \"" + val.get<std::string>() + "\"\n";
    }
    ProtoWriter any;
    any.bytes(f::kAnyYaml, yaml);
    ProtoWriter named;
    named.bytes(f::kNamedName, ext);
    named.bytes(f::kNamedValue, any.str());
    w.bytes(f::kOpVendorExtension, named.str());
  }
  return w.str();
}

// Swagger 2.0 keeps definitions under #/definitions.
nlohmann::json v2_ref(const nlohmann::json& v3_schema) {
  std::string ref = v3_schema.value("$ref", "");
  const std::string prefix = "#/components/schemas/";
  if (ref.rfind(prefix, 0) == 0) ref = "#/definitions/" + ref.substr(prefix.size());
  return {{"$ref", ref}};
}

}  // namespace

nlohmann::json openapi_v2_json(const Registry& registry) {
  nlohmann::json paths = nlohmann::json::object();
  std::vector<schema::Kind> kinds;
  for (const auto& g : registry.groups()) {
    for (const auto& v : g.versions) {
      for (const auto& t : registry.resources(g.group, v)) kinds.push_back({t->group, t->version, t->kind});
      std::string gv = g.group.empty() ? "api/" + v : "apis/" + g.group + "/" + v;
      auto doc = openapi_v3_document(registry, gv);
      if (doc.is_null()) continue;
      for (auto& [path, item] : doc["paths"].items()) {
        for (auto& [method, op] : item.items()) {
          for (auto& p : op["parameters"]) {
            // Swagger 2.0 puts the type on the parameter itself.
            p["type"] = p["schema"].value("type", "string");
            p["uniqueItems"] = true;
            p.erase("schema");
          }
          if (op.contains("requestBody")) {
            op["parameters"].push_back({{"name", "body"},
                                        {"in", "body"},
                                        {"required", true},
                                        {"schema", v2_ref(op["requestBody"]["content"]["*/*"]["schema"])}});
            op.erase("requestBody");
          }
          auto& ok = op["responses"]["200"];
          if (ok.contains("content")) {
            ok["schema"] = v2_ref(ok["content"]["application/json"]["schema"]);
            ok.erase("content");
          }
        }
        paths[path] = item;
      }
    }
  }
  nlohmann::json definitions = nlohmann::json::object();
  schema::add_definitions(kinds, schema::Flavor::kOpenApiV2, definitions);
  return {{"swagger", "2.0"},
          {"info", {{"title", "Kubernetes"}, {"version", "v1.33.5+k3s1"}}},
          {"paths", paths},
          {"definitions", std::move(definitions)}};
}

std::string openapi_v2_protobuf(const Registry& registry) {
  auto doc = openapi_v2_json(registry);
  ProtoWriter paths;
  for (auto& [path, item] : doc["paths"].items()) {
    ProtoWriter path_item;
    const std::pair<const char*, int> methods[] = {
        {"get", f::kPathGet}, {"put", f::kPathPut}, {"post", f::kPathPost}, {"delete", f::kPathDelete}, {"patch", f::kPathPatch}};
    for (const auto& [method, field] : methods)
      if (item.contains(method)) path_item.bytes(field, encode_operation(item[method]));
    ProtoWriter named;
    named.bytes(f::kNamedName, path);
    named.bytes(f::kNamedValue, path_item.str());
    paths.bytes(f::kPathsPath, named.str());
  }
  ProtoWriter info;
  info.bytes(f::kInfoTitle, "Kubernetes");
  info.bytes(f::kInfoVersion, "v1.33.5+k3s1");
  ProtoWriter document;
  document.bytes(f::kDocSwagger, "2.0");
  document.bytes(f::kDocInfo, info.str());
  document.bytes(f::kDocPaths, paths.str());
  ProtoWriter definitions;
  for (auto& [name, s] : doc["definitions"].items()) {
    ProtoWriter named;
    named.bytes(f::kNamedName, name);
    named.bytes(f::kNamedValue, encode_schema(s));
    definitions.bytes(f::kDefinitionsEntry, named.str());
  }
  document.bytes(f::kDocDefinitions, definitions.str());
  return document.str();
}

}  // namespace k3s::apiserver
