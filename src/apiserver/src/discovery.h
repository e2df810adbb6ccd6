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


// Aggregated discovery (apidiscovery.k8s.io APIGroupDiscoveryList): every group, version and
// resource in one document. The version ("v2" or "v2beta1") the Accept header asks for, in
// the client's order of preference, "" when the client wants the legacy documents.
std::string aggregated_discovery_version(const std::string& accept);
std::string aggregated_discovery_content_type(const std::string& version);
// core: the legacy group (/api) rather than the named groups (/apis).
Json aggregated_discovery(const Registry& registry, bool core, const std::string& version);

}  // namespace k3s::apiserver
