// The one description of the built-in API types: the protobuf descriptors compiled from
// proto/k8s (field names there are the JSON names), plus the patch strategies of
// object::patch::builtin_patch_schema and a short list of required fields. From it come the
// OpenAPI schemas the API server publishes and the deep unknown-field check of strict
// decoding, so what kubectl explains, what the server accepts and how strategic merge
// treats a list cannot disagree.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace k3s::schema {

using Json = nlohmann::json;

struct Kind {
  std::string group;  // "" for core
  std::string version;
  std::string kind;
};

enum class Flavor { kOpenApiV2, kOpenApiV3 };

// The definition name Kubernetes publishes for a kind, e.g. "io.k8s.api.apps.v1.Deployment";
// kinds without a compiled message get one of the same form from their group.
std::string definition_name(const Kind& kind);

// Whether a compiled message describes the kind's fields.
bool has_schema(const Kind& kind);

// Adds to `out` (an object: name -> schema) the definition of every kind in `kinds` and of
// every type they reference. A kind with no message is an open object that keeps unknown
// fields. References point at "#/definitions/" (v2) or "#/components/schemas/" (v3).
void add_definitions(const std::vector<Kind>& kinds, Flavor flavor, Json& out);

// The JSON paths of fields the kind's schema does not know, as strict decoding names them
// ("spec.containers[0].imagee", "metadata.labelz"), in document order. Kinds without a
// message are checked at the top level and in metadata only.
std::vector<std::string> unknown_fields(const Kind& kind, const Json& object);

// The first value whose JSON type cannot decode into its field, worded as Go's encoding/json
// words it ("json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas
// of type int32"); nullopt when every known field has a fitting value (null fits anything).
// Kinds without a compiled message are not checked.
std::optional<std::string> type_error(const Kind& kind, const Json& object);

// Removes those fields from `object`, as decoding into kube-apiserver's typed objects drops
// them when validation is Warn or Ignore, and returns their paths.
std::vector<std::string> prune_unknown_fields(const Kind& kind, Json& object);

}  // namespace k3s::schema
