// Which protobuf scalar fields carry presence in Kubernetes' Go types (pointer fields).
#pragma once

#include <functional>
#include <set>
#include <string>

namespace k3s::apiserver::protobuf {

// Full proto field names ("k8s.io.api.apps.v1.DeploymentSpec.replicas") of scalars that Go
// declares as pointers; every other scalar is a plain Go value whose zero means "unset".
const std::set<std::string, std::less<>>& pointer_scalar_fields();

}  // namespace k3s::apiserver::protobuf
