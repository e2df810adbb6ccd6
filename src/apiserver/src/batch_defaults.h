// Create-time defaults of Jobs and CronJobs (kube's SetDefaults_Job/CronJob and the Job
// strategy's generated selector). The selector names the Job's uid, so this runs once the
// uid is assigned.
#pragma once

#include <nlohmann/json.hpp>

#include "registry.h"

namespace k3s::apiserver {

void prepare_batch_create(const ResourceType& type, nlohmann::json& object);

}  // namespace k3s::apiserver
