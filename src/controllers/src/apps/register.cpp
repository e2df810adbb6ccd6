#include <memory>

#include "apps/daemon_set.h"
#include "apps/deployment.h"
#include "apps/replica_set.h"
#include "apps/stateful_set.h"
#include "controller.h"

namespace k3s::controllers {

void register_apps_controllers(std::vector<ControllerDescriptor>& out) {
  out.push_back({"deployment", [](ControllerContext& c) { return std::make_unique<apps::DeploymentController>(c); }});
  out.push_back({"replicaset", [](ControllerContext& c) {
                   return std::make_unique<apps::ReplicaSetController>(c, "replicaset", apps::replica_set_kind());
                 }});
  out.push_back({"replicationcontroller", [](ControllerContext& c) {
                   return std::make_unique<apps::ReplicaSetController>(c, "replicationcontroller",
                                                                       apps::replication_controller_kind());
                 }});
  out.push_back({"statefulset", [](ControllerContext& c) { return std::make_unique<apps::StatefulSetController>(c); }});
  out.push_back({"daemonset", [](ControllerContext& c) { return std::make_unique<apps::DaemonSetController>(c); }});
}

}  // namespace k3s::controllers
