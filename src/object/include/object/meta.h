// Accessors for the standard parts of a Kubernetes object held as nlohmann::json
// (apiVersion/kind and metadata), plus the small value types every component needs
// with Kubernetes' exact wire formats: RFC 3339 times, v4 uids, generateName suffixes.
//
// Getters never throw on a missing or wrongly typed field: they return the empty value
// ("" / {} / nullopt / 0), as a Go client reading an unset field would see. Setters create
// "metadata" when it is missing.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace k3s::object {

using Json = nlohmann::json;

// ---- type information ----------------------------------------------------------------

struct GroupVersion {
  std::string group;    // "" for the core group
  std::string version;  // "v1"
};

// "apps/v1" -> {apps, v1}; "v1" -> {"", v1}.
GroupVersion parse_api_version(std::string_view api_version);
// Inverse of parse_api_version.
std::string format_api_version(const GroupVersion& gv);

std::string api_version_of(const Json& obj);
std::string kind_of(const Json& obj);
void set_type(Json& obj, std::string_view api_version, std::string_view kind);

// ---- metadata strings ------------------------------------------------------------------

// obj[key] when obj is an object whose member `key` is an object, else an empty object: for
// reading nested maps (resources.limits, ...) without checks at every level.
const Json& object_member(const Json& obj, const char* key);

std::string name_of(const Json& obj);
std::string namespace_of(const Json& obj);
std::string generate_name_of(const Json& obj);
std::string uid_of(const Json& obj);
std::string resource_version_of(const Json& obj);
void set_name(Json& obj, std::string_view name);
void set_namespace(Json& obj, std::string_view ns);
void set_uid(Json& obj, std::string_view uid);
void set_resource_version(Json& obj, std::string_view rv);

// metadata.generation; 0 when unset.
std::int64_t generation_of(const Json& obj);
void set_generation(Json& obj, std::int64_t generation);

// ---- labels and annotations --------------------------------------------------------------

using StringMap = std::map<std::string, std::string>;

// Entries whose value is not a string are skipped.
StringMap labels_of(const Json& obj);
StringMap annotations_of(const Json& obj);
std::optional<std::string> label(const Json& obj, std::string_view key);
std::optional<std::string> annotation(const Json& obj, std::string_view key);
void set_label(Json& obj, std::string_view key, std::string_view value);
void set_annotation(Json& obj, std::string_view key, std::string_view value);
// Removing the last entry removes the map itself, as kubectl does.
void remove_label(Json& obj, std::string_view key);
void remove_annotation(Json& obj, std::string_view key);
void set_labels(Json& obj, const StringMap& labels);
void set_annotations(Json& obj, const StringMap& annotations);

// ---- owner references ------------------------------------------------------------------

struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  std::optional<bool> controller;
  std::optional<bool> block_owner_deletion;

  Json to_json() const;
  static OwnerReference from_json(const Json& j);  // missing fields stay empty
  bool operator==(const OwnerReference&) const = default;
};

std::vector<OwnerReference> owner_references_of(const Json& obj);
void set_owner_references(Json& obj, const std::vector<OwnerReference>& refs);
// The reference with controller: true, if any.
std::optional<OwnerReference> controller_of(const Json& obj);
bool is_owned_by(const Json& obj, std::string_view owner_uid);

// ---- finalizers ---------------------------------------------------------------------

std::vector<std::string> finalizers_of(const Json& obj);
bool has_finalizer(const Json& obj, std::string_view finalizer);
// Returns true when the list changed.
bool add_finalizer(Json& obj, std::string_view finalizer);
bool remove_finalizer(Json& obj, std::string_view finalizer);

// ---- times ----------------------------------------------------------------------------

// Kubernetes keeps at most microseconds (metav1.MicroTime); metav1.Time keeps seconds.
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

Timestamp now();
// metav1.Time wire form: UTC, whole seconds: "2026-11-22T10:09:24Z" (truncates).
std::string format_time(Timestamp t);
// metav1.MicroTime wire form: UTC, six fraction digits: "2026-11-22T10:09:24.123456Z".
std::string format_micro_time(Timestamp t);
// RFC 3339 parser accepting both forms, any number of fraction digits (beyond
// microseconds truncated) and "Z" or a "+hh:mm"/"-hh:mm" offset; nullopt when malformed.
std::optional<Timestamp> parse_time(std::string_view text);

std::optional<Timestamp> creation_timestamp_of(const Json& obj);
std::optional<Timestamp> deletion_timestamp_of(const Json& obj);
void set_creation_timestamp(Json& obj, Timestamp t);
void set_deletion_timestamp(Json& obj, Timestamp t);
std::optional<std::int64_t> deletion_grace_period_seconds_of(const Json& obj);
bool is_being_deleted(const Json& obj);  // deletionTimestamp set

// ---- identifiers -----------------------------------------------------------------------

// Random RFC 4122 version-4 uid, lower-case "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string new_uid();

// The alphabet and length Kubernetes uses for generated name suffixes (no vowels, no
// look-alike characters, so suffixes never spell words).
inline constexpr std::string_view kGenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
inline constexpr std::size_t kGenerateNameSuffixLength = 5;
inline constexpr std::size_t kMaxNameLength = 63;  // the length generated names are cut to

// Random 5-character suffix from kGenerateNameAlphabet.
std::string random_name_suffix();
// metadata.generateName handling: base (cut to 58 characters) + random suffix.
std::string generate_name(std::string_view base);

}  // namespace k3s::object
