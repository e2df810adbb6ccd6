// Internal: the descriptor pool seen as API types, with the facts protobuf does not carry.
#pragma once

#include <google/protobuf/descriptor.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "object/patch.h"
#include "schema/schema.h"

namespace k3s::schema::detail {

namespace pb = google::protobuf;

// Messages whose JSON form is not an object of their fields.
enum class Special { kNone, kTime, kMicroTime, kQuantity, kIntOrString, kRawExtension, kFieldsV1, kStringList, kDuration };
Special special_of(const pb::Descriptor* d);

// "k8s.io.api.core.v1.PodSpec" -> "io.k8s.api.core.v1.PodSpec".
std::string definition_name(const pb::Descriptor* d);

// Whether a message carries TypeMeta inline (apiVersion and kind are its fields in JSON).
bool has_type_meta(const pb::Descriptor* d);

// The JSON-visible fields of a message: inlined structs flattened, JSON names applied.
struct JsonField {
  std::string name;
  const pb::FieldDescriptor* field;
};
const std::vector<JsonField>& json_fields(const pb::Descriptor* d);

// Patch metadata of a message's field, gathered from builtin_patch_schema along every path
// from a kind that reaches the message.
object::patch::PatchMeta patch_meta(const pb::Descriptor* d, const std::string& field);

// Fields Kubernetes marks required (OpenAPI "required"), per message full name.
const std::vector<std::string>* required_fields(const pb::Descriptor* d);

// The kind's group-version as the protobuf package names it.
std::string package_of(const std::string& group, const std::string& version);

// Top-level fields of kinds that have no compiled message yet.
std::set<std::string> top_level_fields_without_message(const Kind& kind);

}  // namespace k3s::schema::detail
