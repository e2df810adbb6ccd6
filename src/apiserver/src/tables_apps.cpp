// apps/v1 Table printers: Deployment, ReplicaSet, StatefulSet and DaemonSet.
#include "tables_internal.h"

namespace k3s::apiserver::tables {

namespace {

// DESIRED/READY counts compare against spec.replicas, which defaults to 1 when unset.
int64_t desired_replicas(const Json& o) {
  return o.contains(Json::json_pointer("/spec/replicas")) ? int_at(o, "/spec/replicas") : 1;
}

}  // namespace

void add_apps_printers(PrinterMap& map) {
  map["apps/Deployment"] = {{name_column(),
                             {"Ready", "string", "", "Ready pods out of desired replicas.", 0},
                             {"Up-to-date", "string", "", "Pods running the current template.", 0},
                             {"Available", "string", "", "Pods available to serve.", 0},
                             age_column(), containers_column(), images_column(),
                             {"Selector", "string", "", "The label selector of the pods.", 1}},
                            [](const Json& o, const std::string& age, object::Timestamp) {
                              auto [names, imgs] = template_containers(o, "/spec/template");
                              return Row{object::name_of(o),
                                         std::to_string(int_at(o, "/status/readyReplicas")) + "/" +
                                             std::to_string(desired_replicas(o)),
                                         int_at(o, "/status/updatedReplicas"), int_at(o, "/status/availableReplicas"), age,
                                         names, imgs, selector_text(object_at(o, "/spec/selector/matchLabels"))};
                            }};
  map["apps/ReplicaSet"] = {{name_column(),
                             {"Desired", "integer", "", "Number of desired pods.", 0},
                             {"Current", "integer", "", "Number of actually running pods.", 0},
                             {"Ready", "integer", "", "Number of ready pods.", 0},
                             age_column()},
                            [](const Json& o, const std::string& age, object::Timestamp) {
                              return Row{object::name_of(o), desired_replicas(o), int_at(o, "/status/replicas"),
                                         int_at(o, "/status/readyReplicas"), age};
                            }};
  map["apps/StatefulSet"] = {{name_column(), {"Ready", "string", "", "Ready pods out of desired replicas.", 0},
                              age_column(), containers_column(), images_column()},
                             [](const Json& o, const std::string& age, object::Timestamp) {
                               auto [names, imgs] = template_containers(o, "/spec/template");
                               return Row{object::name_of(o),
                                          std::to_string(int_at(o, "/status/readyReplicas")) + "/" + std::to_string(desired_replicas(o)),
                                          age, names, imgs};
                             }};
  map["apps/DaemonSet"] = {{name_column(),
                            {"Desired", "integer", "", "Nodes that should run the daemon pod.", 0},
                            {"Current", "integer", "", "Nodes running at least one daemon pod.", 0},
                            {"Ready", "integer", "", "Nodes with a ready daemon pod.", 0},
                            {"Up-to-date", "integer", "", "Nodes running the current template.", 0},
                            {"Available", "integer", "", "Nodes with an available daemon pod.", 0},
                            {"Node Selector", "string", "", "The node selector of the pod template.", 0},
                            age_column(), containers_column(), images_column(),
                            {"Selector", "string", "", "The label selector of the pods.", 1}},
                           [](const Json& o, const std::string& age, object::Timestamp) {
                             auto [names, imgs] = template_containers(o, "/spec/template");
                             return Row{object::name_of(o),
                                        int_at(o, "/status/desiredNumberScheduled"),
                                        int_at(o, "/status/currentNumberScheduled"),
                                        int_at(o, "/status/numberReady"),
                                        int_at(o, "/status/updatedNumberScheduled"),
                                        int_at(o, "/status/numberAvailable"),
                                        selector_text(object_at(o, "/spec/template/spec/nodeSelector")),
                                        age, names, imgs,
                                        selector_text(object_at(o, "/spec/selector/matchLabels"))};
                           }};
}

}  // namespace k3s::apiserver::tables
