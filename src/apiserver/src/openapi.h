// OpenAPI v3 documents derived from the registry: the discovery root (/openapi/v3) and one
// document per group-version listing every path with its operations, parameters and
// x-kubernetes-group-version-kind. kubectl reads them to learn that the server validates
// fields itself (fieldValidation) before `apply`/`create -f`. Schemas of the types come with
// the type schema description (later); until then components.schemas is empty.
#pragma once

#include <nlohmann/json.hpp>

#include "registry.h"

namespace k3s::apiserver {

using Json = nlohmann::json;

Json openapi_v3_root(const Registry& registry);
// nullptr when the group-version is unknown. `gv_path` is "api/v1" or "apis/<group>/<version>".
Json openapi_v3_document(const Registry& registry, const std::string& gv_path);

}  // namespace k3s::apiserver
