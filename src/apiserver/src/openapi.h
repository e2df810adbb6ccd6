// OpenAPI v3 documents derived from the registry: the discovery root (/openapi/v3) and one
// document per group-version listing every path with its operations, parameters and
// x-kubernetes-group-version-kind, and components.schemas from the type schema (src/schema):
// kubectl reads them to learn that the server validates fields itself (fieldValidation) and
// to explain resources.
#pragma once

#include <nlohmann/json.hpp>

#include "registry.h"

namespace k3s::apiserver {

using Json = nlohmann::json;

Json openapi_v3_root(const Registry& registry);
// nullptr when the group-version is unknown. `gv_path` is "api/v1" or "apis/<group>/<version>".
Json openapi_v3_document(const Registry& registry, const std::string& gv_path);

}  // namespace k3s::apiserver
