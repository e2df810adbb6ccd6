// apps/v1 Table printers in per-group form: StatefulSet and DaemonSet (Deployment and
// ReplicaSet are still in tables.cpp).
#include "tables_internal.h"

namespace k3s::apiserver::tables {

void add_apps_printers(PrinterMap& map) {
  map["apps/StatefulSet"] = {{name_column(), {"Ready", "string", "", "Ready pods out of desired replicas.", 0},
                              age_column(), containers_column(), images_column()},
                             [](const Json& o, const std::string& age, object::Timestamp) {
                               auto [names, imgs] = template_containers(o, "/spec/template");
                               Json::json_pointer replicas("/spec/replicas");
                               const int64_t want = o.contains(replicas) ? int_at(o, "/spec/replicas") : 1;
                               return Row{object::name_of(o),
                                          std::to_string(int_at(o, "/status/readyReplicas")) + "/" + std::to_string(want),
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
