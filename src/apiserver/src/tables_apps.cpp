// apps/v1 Table printers: Deployment, ReplicaSet, StatefulSet, DaemonSet and ControllerRevision.
#include <cctype>

#include "tables_internal.h"

namespace k3s::apiserver::tables {

namespace {

// "kind.group/name" of the controlling owner in lower case ("daemonset.apps/web"), "<none>"
// without one.
std::string controller_name(const Json& obj) {
  auto owner = object::controller_of(obj);
  if (!owner) return "<none>";
  const auto slash = owner->api_version.find('/');
  const std::string group = slash == std::string::npos ? "" : owner->api_version.substr(0, slash);
  std::string kind = group.empty() ? owner->kind : owner->kind + "." + group;
  if (kind.empty()) return owner->name;
  for (auto& ch : kind) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return kind + "/" + owner->name;
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
                                         names, imgs, label_selector_text(object_at(o, "/spec/selector"))};
                            }};
  map["apps/ReplicaSet"] = {replica_columns(),
                            [](const Json& o, const std::string& age, object::Timestamp) {
                              auto [names, imgs] = template_containers(o, "/spec/template");
                              return Row{object::name_of(o), desired_replicas(o), int_at(o, "/status/replicas"),
                                         int_at(o, "/status/readyReplicas"), age, names, imgs,
                                         label_selector_text(object_at(o, "/spec/selector"))};
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
                                        label_selector_text(object_at(o, "/spec/selector"))};
                           }};
  map["apps/ControllerRevision"] = {{name_column(),
                                     {"Controller", "string", "", "The object that owns the revision.", 0},
                                     {"Revision", "string", "", "The revision number.", 0},
                                     age_column()},
                                    [](const Json& o, const std::string& age, object::Timestamp) {
                                      return Row{object::name_of(o), controller_name(o), int_at(o, "/revision"), age};
                                    }};
}

}  // namespace k3s::apiserver::tables
