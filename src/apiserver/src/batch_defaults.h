// Defaults of Jobs and CronJobs: kube's SetDefaults_Job/CronJob plus the pod template
// defaults (every write), and the Job strategy's generated selector (create only: it names
// the Job's uid, so it runs once the uid is assigned).
#pragma once

#include <nlohmann/json.hpp>

#include "registry.h"

namespace k3s::apiserver {

void set_batch_defaults(const ResourceType& type, nlohmann::json& object);

void prepare_batch_create(const ResourceType& type, nlohmann::json& object);

}  // namespace k3s::apiserver
