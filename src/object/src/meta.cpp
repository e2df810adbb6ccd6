#include "object/meta.h"

#include <algorithm>
#include <random>

#include "util/random.h"

namespace k3s::object {

namespace {

const Json* metadata_of(const Json& obj) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find("metadata");
  if (it == obj.end() || !it->is_object()) return nullptr;
  return &*it;
}

Json& mutable_metadata(Json& obj) {
  if (!obj.is_object()) obj = Json::object();
  Json& meta = obj["metadata"];
  if (!meta.is_object()) meta = Json::object();
  return meta;
}

std::string string_field(const Json* parent, const char* key) {
  if (parent == nullptr) return {};
  auto it = parent->find(key);
  if (it == parent->end() || !it->is_string()) return {};
  return it->get<std::string>();
}

std::string top_string(const Json& obj, const char* key) {
  return obj.is_object() ? string_field(&obj, key) : std::string{};
}

std::string meta_string(const Json& obj, const char* key) { return string_field(metadata_of(obj), key); }

StringMap string_map(const Json& obj, const char* key) {
  StringMap out;
  const Json* meta = metadata_of(obj);
  if (meta == nullptr) return out;
  auto it = meta->find(key);
  if (it == meta->end() || !it->is_object()) return out;
  for (auto& [k, v] : it->items()) {
    if (v.is_string()) out.emplace(k, v.get<std::string>());
  }
  return out;
}

std::optional<std::string> map_entry(const Json& obj, const char* map_key, std::string_view key) {
  const Json* meta = metadata_of(obj);
  if (meta == nullptr) return std::nullopt;
  auto it = meta->find(map_key);
  if (it == meta->end() || !it->is_object()) return std::nullopt;
  auto entry = it->find(std::string(key));
  if (entry == it->end() || !entry->is_string()) return std::nullopt;
  return entry->get<std::string>();
}

void set_map_entry(Json& obj, const char* map_key, std::string_view key, std::string_view value) {
  Json& m = mutable_metadata(obj)[map_key];
  if (!m.is_object()) m = Json::object();
  m[std::string(key)] = std::string(value);
}

void remove_map_entry(Json& obj, const char* map_key, std::string_view key) {
  if (metadata_of(obj) == nullptr) return;
  Json& meta = obj["metadata"];
  auto it = meta.find(map_key);
  if (it == meta.end() || !it->is_object()) return;
  it->erase(std::string(key));
  if (it->empty()) meta.erase(it);
}

void set_string_map(Json& obj, const char* map_key, const StringMap& values) {
  Json& meta = mutable_metadata(obj);
  if (values.empty()) {
    meta.erase(map_key);
    return;
  }
  Json m = Json::object();
  for (auto& [k, v] : values) m[k] = v;
  meta[map_key] = std::move(m);
}

std::optional<Timestamp> meta_time(const Json& obj, const char* key) {
  std::string text = meta_string(obj, key);
  if (text.empty()) return std::nullopt;
  return parse_time(text);
}

}  // namespace

GroupVersion parse_api_version(std::string_view api_version) {
  auto slash = api_version.find('/');
  if (slash == std::string_view::npos) return {"", std::string(api_version)};
  return {std::string(api_version.substr(0, slash)), std::string(api_version.substr(slash + 1))};
}

std::string format_api_version(const GroupVersion& gv) {
  return gv.group.empty() ? gv.version : gv.group + "/" + gv.version;
}

std::string api_version_of(const Json& obj) { return top_string(obj, "apiVersion"); }
std::string kind_of(const Json& obj) { return top_string(obj, "kind"); }

void set_type(Json& obj, std::string_view api_version, std::string_view kind) {
  if (!obj.is_object()) obj = Json::object();
  obj["apiVersion"] = std::string(api_version);
  obj["kind"] = std::string(kind);
}

const Json& object_member(const Json& obj, const char* key) {
  static const Json empty = Json::object();
  if (!obj.is_object()) return empty;
  auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? *it : empty;
}

std::string name_of(const Json& obj) { return meta_string(obj, "name"); }
std::string namespace_of(const Json& obj) { return meta_string(obj, "namespace"); }
std::string generate_name_of(const Json& obj) { return meta_string(obj, "generateName"); }
std::string uid_of(const Json& obj) { return meta_string(obj, "uid"); }
std::string resource_version_of(const Json& obj) { return meta_string(obj, "resourceVersion"); }

void set_name(Json& obj, std::string_view name) { mutable_metadata(obj)["name"] = std::string(name); }
void set_namespace(Json& obj, std::string_view ns) {
  if (ns.empty()) {
    mutable_metadata(obj).erase("namespace");
  } else {
    mutable_metadata(obj)["namespace"] = std::string(ns);
  }
}
void set_uid(Json& obj, std::string_view uid) { mutable_metadata(obj)["uid"] = std::string(uid); }
void set_resource_version(Json& obj, std::string_view rv) {
  if (rv.empty()) {
    mutable_metadata(obj).erase("resourceVersion");
  } else {
    mutable_metadata(obj)["resourceVersion"] = std::string(rv);
  }
}

std::int64_t generation_of(const Json& obj) {
  const Json* meta = metadata_of(obj);
  if (meta == nullptr) return 0;
  auto it = meta->find("generation");
  if (it == meta->end() || !it->is_number_integer()) return 0;
  return it->get<std::int64_t>();
}

void set_generation(Json& obj, std::int64_t generation) { mutable_metadata(obj)["generation"] = generation; }

StringMap labels_of(const Json& obj) { return string_map(obj, "labels"); }
StringMap annotations_of(const Json& obj) { return string_map(obj, "annotations"); }
std::optional<std::string> label(const Json& obj, std::string_view key) { return map_entry(obj, "labels", key); }
std::optional<std::string> annotation(const Json& obj, std::string_view key) {
  return map_entry(obj, "annotations", key);
}
void set_label(Json& obj, std::string_view key, std::string_view value) { set_map_entry(obj, "labels", key, value); }
void set_annotation(Json& obj, std::string_view key, std::string_view value) {
  set_map_entry(obj, "annotations", key, value);
}
void remove_label(Json& obj, std::string_view key) { remove_map_entry(obj, "labels", key); }
void remove_annotation(Json& obj, std::string_view key) { remove_map_entry(obj, "annotations", key); }
void set_labels(Json& obj, const StringMap& labels) { set_string_map(obj, "labels", labels); }
void set_annotations(Json& obj, const StringMap& annotations) { set_string_map(obj, "annotations", annotations); }

Json OwnerReference::to_json() const {
  Json j = {{"apiVersion", api_version}, {"kind", kind}, {"name", name}, {"uid", uid}};
  if (controller) j["controller"] = *controller;
  if (block_owner_deletion) j["blockOwnerDeletion"] = *block_owner_deletion;
  return j;
}

OwnerReference OwnerReference::from_json(const Json& j) {
  OwnerReference ref;
  if (!j.is_object()) return ref;
  ref.api_version = string_field(&j, "apiVersion");
  ref.kind = string_field(&j, "kind");
  ref.name = string_field(&j, "name");
  ref.uid = string_field(&j, "uid");
  if (auto it = j.find("controller"); it != j.end() && it->is_boolean()) ref.controller = it->get<bool>();
  if (auto it = j.find("blockOwnerDeletion"); it != j.end() && it->is_boolean()) {
    ref.block_owner_deletion = it->get<bool>();
  }
  return ref;
}

std::vector<OwnerReference> owner_references_of(const Json& obj) {
  std::vector<OwnerReference> out;
  const Json* meta = metadata_of(obj);
  if (meta == nullptr) return out;
  auto it = meta->find("ownerReferences");
  if (it == meta->end() || !it->is_array()) return out;
  for (const Json& ref : *it) out.push_back(OwnerReference::from_json(ref));
  return out;
}

void set_owner_references(Json& obj, const std::vector<OwnerReference>& refs) {
  Json& meta = mutable_metadata(obj);
  if (refs.empty()) {
    meta.erase("ownerReferences");
    return;
  }
  Json list = Json::array();
  for (auto& ref : refs) list.push_back(ref.to_json());
  meta["ownerReferences"] = std::move(list);
}

std::optional<OwnerReference> controller_of(const Json& obj) {
  for (auto& ref : owner_references_of(obj)) {
    if (ref.controller.value_or(false)) return ref;
  }
  return std::nullopt;
}

bool is_owned_by(const Json& obj, std::string_view owner_uid) {
  auto refs = owner_references_of(obj);
  return std::any_of(refs.begin(), refs.end(), [&](const OwnerReference& r) { return r.uid == owner_uid; });
}

std::vector<std::string> finalizers_of(const Json& obj) {
  std::vector<std::string> out;
  const Json* meta = metadata_of(obj);
  if (meta == nullptr) return out;
  auto it = meta->find("finalizers");
  if (it == meta->end() || !it->is_array()) return out;
  for (const Json& f : *it) {
    if (f.is_string()) out.push_back(f.get<std::string>());
  }
  return out;
}

bool has_finalizer(const Json& obj, std::string_view finalizer) {
  auto all = finalizers_of(obj);
  return std::find(all.begin(), all.end(), finalizer) != all.end();
}

bool add_finalizer(Json& obj, std::string_view finalizer) {
  if (has_finalizer(obj, finalizer)) return false;
  Json& list = mutable_metadata(obj)["finalizers"];
  if (!list.is_array()) list = Json::array();
  list.push_back(std::string(finalizer));
  return true;
}

bool remove_finalizer(Json& obj, std::string_view finalizer) {
  if (!has_finalizer(obj, finalizer)) return false;
  Json& meta = obj["metadata"];
  Json kept = Json::array();
  for (const Json& f : meta["finalizers"]) {
    if (!(f.is_string() && f.get<std::string>() == finalizer)) kept.push_back(f);
  }
  if (kept.empty()) {
    meta.erase("finalizers");
  } else {
    meta["finalizers"] = std::move(kept);
  }
  return true;
}

std::optional<Timestamp> creation_timestamp_of(const Json& obj) { return meta_time(obj, "creationTimestamp"); }
std::optional<Timestamp> deletion_timestamp_of(const Json& obj) { return meta_time(obj, "deletionTimestamp"); }
void set_creation_timestamp(Json& obj, Timestamp t) { mutable_metadata(obj)["creationTimestamp"] = format_time(t); }
void set_deletion_timestamp(Json& obj, Timestamp t) { mutable_metadata(obj)["deletionTimestamp"] = format_time(t); }

std::optional<std::int64_t> deletion_grace_period_seconds_of(const Json& obj) {
  const Json* meta = metadata_of(obj);
  if (meta == nullptr) return std::nullopt;
  auto it = meta->find("deletionGracePeriodSeconds");
  if (it == meta->end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

bool is_being_deleted(const Json& obj) { return !meta_string(obj, "deletionTimestamp").empty(); }

namespace {
std::mt19937_64& random_engine() { return util::thread_random_engine(); }
}  // namespace

std::string new_uid() {
  auto& engine = random_engine();
  unsigned char bytes[16];
  for (int i = 0; i < 16; i += 8) {
    std::uint64_t r = engine();
    for (int b = 0; b < 8; ++b) bytes[i + b] = static_cast<unsigned char>(r >> (8 * b));
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0x0f]);
  }
  return out;
}

std::string random_name_suffix() {
  std::uniform_int_distribution<std::size_t> pick(0, kGenerateNameAlphabet.size() - 1);
  std::string out;
  for (std::size_t i = 0; i < kGenerateNameSuffixLength; ++i) out.push_back(kGenerateNameAlphabet[pick(random_engine())]);
  return out;
}

std::string generate_name(std::string_view base) {
  constexpr std::size_t kMaxBase = kMaxNameLength - kGenerateNameSuffixLength;
  if (base.size() > kMaxBase) base = base.substr(0, kMaxBase);
  return std::string(base) + random_name_suffix();
}

}  // namespace k3s::object
