// /openapi/v2: the same operations as the v3 documents in the Swagger 2.0 shape, as JSON or
// as the gnostic openapi.v2.Document protobuf kubectl < 1.30 requests. kubectl reads the
// PATCH operations' fieldValidation parameter to decide that the server validates fields.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "registry.h"

namespace k3s::apiserver {

nlohmann::json openapi_v2_json(const Registry& registry);
std::string openapi_v2_protobuf(const Registry& registry);

}  // namespace k3s::apiserver
