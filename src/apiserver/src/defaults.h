// kube's SetDefaults_* for the built-in types. kube-apiserver applies them whenever it decodes
// an object, so every write (create, update, the result of a patch) is defaulted, not only a
// create; they only fill what is missing and so are idempotent. What happens once, on create
// (generateName, uid, admission such as service-account token mounts, a Pod's initial status),
// is elsewhere (admission.h: default_on_create; admission_plugins.h).
#pragma once

#include <nlohmann/json.hpp>

#include "registry.h"

namespace k3s::apiserver {

void set_defaults(const ResourceType& type, nlohmann::json& object);

}  // namespace k3s::apiserver
