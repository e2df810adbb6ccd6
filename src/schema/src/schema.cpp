#include "schema/schema.h"

#include <map>
#include <mutex>
#include <set>

#include "descriptions.h"
#include "descriptors.h"
#include "schema/proto_json.h"

namespace k3s::schema {

namespace {

using namespace detail;

Json ref_to(const std::string& name, Flavor flavor) {
  return {{"$ref", (flavor == Flavor::kOpenApiV2 ? "#/definitions/" : "#/components/schemas/") + name}};
}

// apiVersion and kind, which every kind and list carries.
Json type_meta_property(const std::string& name) {
  Json s = {{"type", "string"}};
  const std::string& text = type_meta_description(name);
  if (!text.empty()) s["description"] = text;
  return s;
}

void describe(Json& s, const std::string& text) {
  if (!text.empty()) s["description"] = text;
}

Json gvk_of(const Kind& k) { return {{"group", k.group}, {"kind", k.kind}, {"version", k.version}}; }

class Builder {
 public:
  Builder(Flavor flavor, Json& out) : flavor_(flavor), out_(out) {}

  void add_kind(const Kind& k) {
    const pb::Descriptor* d = kind_message(k.group, k.version, k.kind);
    if (d != nullptr) {
      gvks_[d].push_back(gvk_of(k));
      pending_.push_back(d);
    } else {
      Json metadata = ref(object_meta());
      describe(metadata, type_meta_description("metadata"));
      Json& def = out_[definition_name(k)];
      def = {{"type", "object"},
             {"x-kubernetes-preserve-unknown-fields", true},
             {"properties",
              {{"apiVersion", type_meta_property("apiVersion")},
               {"kind", type_meta_property("kind")},
               {"metadata", std::move(metadata)}}},
             {"x-kubernetes-group-version-kind", Json::array({gvk_of(k)})}};
    }
    add_list(k, d);
  }

  void finish() {
    while (!pending_.empty()) {
      const pb::Descriptor* d = pending_.back();
      pending_.pop_back();
      std::string name = detail::definition_name(d);
      if (done_.count(name)) continue;
      done_.insert(name);
      out_[name] = message_schema(d);
    }
  }

 private:
  const pb::Descriptor* object_meta() {
    const pb::Descriptor* d = descriptor_pool().FindMessageTypeByName(
        "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    pending_.push_back(d);
    return d;
  }

  Json ref(const pb::Descriptor* d) { return ref_to(detail::definition_name(d), flavor_); }

  // Kubernetes publishes a <Kind>List beside every listable kind; its shape is fixed.
  void add_list(const Kind& k, const pb::Descriptor* item) {
    const pb::Descriptor* list_meta = descriptor_pool().FindMessageTypeByName(
        "k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta");
    pending_.push_back(list_meta);
    Kind list{k.group, k.version, k.kind + "List"};
    Json items = item ? ref(item) : ref_to(schema::definition_name(k), flavor_);
    out_[schema::definition_name(list)] = {
        {"type", "object"},
        {"required", {"items"}},
        {"properties",
         {{"apiVersion", type_meta_property("apiVersion")},
          {"kind", type_meta_property("kind")},
          {"metadata", ref(list_meta)},
          {"items", {{"type", "array"}, {"items", items}}}}},
        {"x-kubernetes-group-version-kind", Json::array({gvk_of(list)})}};
  }

  Json special_schema(Special s) {
    switch (s) {
      case Special::kTime:
      case Special::kMicroTime: return {{"type", "string"}, {"format", "date-time"}};
      case Special::kDuration: return {{"type", "string"}};
      case Special::kQuantity:
        if (flavor_ == Flavor::kOpenApiV2) return {{"type", "string"}};
        return {{"oneOf", {{{"type", "string"}}, {{"type", "number"}}}}};
      case Special::kIntOrString:
        if (flavor_ == Flavor::kOpenApiV2) return {{"type", "string"}, {"format", "int-or-string"}};
        return {{"x-kubernetes-int-or-string", true}, {"anyOf", {{{"type", "integer"}}, {{"type", "string"}}}}};
      case Special::kRawExtension:
      case Special::kFieldsV1: return {{"type", "object"}};
      case Special::kStringList: return {{"type", "array"}, {"items", {{"type", "string"}}}};
      case Special::kNone: break;
    }
    return Json::object();
  }

  Json value_schema(const pb::FieldDescriptor* f) {
    using FD = pb::FieldDescriptor;
    switch (f->cpp_type()) {
      case FD::CPPTYPE_INT32:
      case FD::CPPTYPE_UINT32:
      case FD::CPPTYPE_ENUM: return {{"type", "integer"}, {"format", "int32"}};
      case FD::CPPTYPE_INT64:
      case FD::CPPTYPE_UINT64: return {{"type", "integer"}, {"format", "int64"}};
      case FD::CPPTYPE_DOUBLE:
      case FD::CPPTYPE_FLOAT: return {{"type", "number"}, {"format", "double"}};
      case FD::CPPTYPE_BOOL: return {{"type", "boolean"}};
      case FD::CPPTYPE_STRING:
        if (f->type() == FD::TYPE_BYTES) return {{"type", "string"}, {"format", "byte"}};
        return {{"type", "string"}};
      case FD::CPPTYPE_MESSAGE: {
        const pb::Descriptor* m = f->message_type();
        // Go slice types are arrays in JSON; giving them a definition of their own would name a
        // type Kubernetes does not publish.
        if (special_of(m) == Special::kStringList) return special_schema(Special::kStringList);
        pending_.push_back(m);
        return ref(m);
      }
    }
    return Json::object();
  }

  Json field_schema(const pb::Descriptor* owner, const std::string& json_name, const pb::FieldDescriptor* f) {
    Json s;
    if (f->is_map()) {
      s = {{"type", "object"}, {"additionalProperties", value_schema(f->message_type()->map_value())}};
    } else if (f->is_repeated()) {
      s = {{"type", "array"}, {"items", value_schema(f)}};
    } else {
      s = value_schema(f);
    }
    auto meta = patch_meta(owner, json_name);
    if (!meta.strategies.empty()) {
      std::string joined;
      for (const auto& st : meta.strategies) joined += (joined.empty() ? "" : ",") + st;
      s["x-kubernetes-patch-strategy"] = joined;
    }
    if (!meta.merge_key.empty()) s["x-kubernetes-patch-merge-key"] = meta.merge_key;
    const std::string& text = field_description(owner, json_name, f);
    // A v3 $ref admits no siblings, so a described reference is wrapped in a one-item allOf
    // (kubectl explain then prints the field's text and the type's); v2 keeps it beside $ref.
    if (!text.empty() && flavor_ == Flavor::kOpenApiV3 && s.contains("$ref")) {
      Json wrapped = {{"allOf", Json::array({{{"$ref", s["$ref"]}}})}};
      for (auto& [key, value] : s.items())
        if (key != "$ref") wrapped[key] = value;
      s = std::move(wrapped);
    }
    describe(s, text);
    return s;
  }

  Json message_schema(const pb::Descriptor* d) {
    Special special = special_of(d);
    if (special != Special::kNone) {
      Json s = special_schema(special);
      describe(s, type_description(d));
      return s;
    }
    Json props = Json::object();
    if (has_type_meta(d)) {
      props["apiVersion"] = type_meta_property("apiVersion");
      props["kind"] = type_meta_property("kind");
    }
    for (const auto& jf : json_fields(d)) props[jf.name] = field_schema(d, jf.name, jf.field);
    Json s = {{"type", "object"}, {"properties", std::move(props)}};
    describe(s, type_description(d));
    if (const auto* req = required_fields(d)) s["required"] = *req;
    auto it = gvks_.find(d);
    if (it != gvks_.end()) s["x-kubernetes-group-version-kind"] = it->second;
    return s;
  }

  Flavor flavor_;
  Json& out_;
  std::vector<const pb::Descriptor*> pending_;
  std::set<std::string> done_;
  std::map<const pb::Descriptor*, Json> gvks_;
};

}  // namespace

std::string definition_name(const Kind& k) {
  if (const pb::Descriptor* d = kind_message(k.group, k.version, k.kind)) return detail::definition_name(d);
  // Built-in groups take the form of the compiled packages (io.k8s.api.<first label>.<version>);
  // other groups (custom resources) the reversed domain, as Kubernetes names them.
  const std::string& g = k.group;
  auto suffix = [&g](std::string_view s) { return g.size() >= s.size() && g.compare(g.size() - s.size(), s.size(), s) == 0; };
  if (g.empty() || g.find('.') == std::string::npos || suffix(".k8s.io"))
    return "io.k8s." + detail::package_of(g, k.version).substr(7) + "." + k.kind;
  std::string reversed;
  std::size_t end = g.size();
  while (true) {
    auto dot = g.rfind('.', end - 1);
    std::string label = g.substr(dot == std::string::npos ? 0 : dot + 1, end - (dot == std::string::npos ? 0 : dot + 1));
    reversed += (reversed.empty() ? "" : ".") + label;
    if (dot == std::string::npos) break;
    end = dot;
  }
  return reversed + "." + k.version + "." + k.kind;
}

bool has_schema(const Kind& k) { return kind_message(k.group, k.version, k.kind) != nullptr; }

void add_definitions(const std::vector<Kind>& kinds, Flavor flavor, Json& out) {
  if (!out.is_object()) out = Json::object();
  // kubectl fetches the documents on every apply and explain, and the v3 root hashes every
  // group-version's document; the definitions of a set of kinds never change, so each set is
  // built once.
  std::string key = flavor == Flavor::kOpenApiV2 ? "v2" : "v3";
  for (const auto& k : kinds) key += "|" + k.group + "/" + k.version + "/" + k.kind;
  static std::mutex mu;
  static std::map<std::string, Json> cache;
  Json built;
  {
    std::lock_guard lock(mu);
    auto it = cache.find(key);
    if (it == cache.end()) {
      Json defs = Json::object();
      Builder b(flavor, defs);
      for (const auto& k : kinds) b.add_kind(k);
      b.finish();
      it = cache.emplace(key, std::move(defs)).first;
    }
    built = it->second;
  }
  if (out.empty()) {
    out = std::move(built);
    return;
  }
  for (auto& [name, s] : built.items()) out[name] = std::move(s);
}

}  // namespace k3s::schema
