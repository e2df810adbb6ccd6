// Discovery documents (/api, /apis, group and group-version resource lists) derived from
// the registry.
#pragma once

#include <nlohmann/json.hpp>

#include "registry.h"

namespace k3s::apiserver {

using Json = nlohmann::json;

Json core_api_versions(const std::string& server_address);
Json api_group_list(const Registry& registry);
// nullptr when the group is unknown.
Json api_group(const Registry& registry, const std::string& group);
// nullptr when the group-version is unknown.
Json api_resource_list(const Registry& registry, const std::string& group, const std::string& version);

}  // namespace k3s::apiserver
