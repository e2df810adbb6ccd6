// storage.k8s.io/v1 Table printers: StorageClass, CSIDriver, CSINode and VolumeAttachment.
#include "tables_internal.h"
#include "util/strings.h"

namespace k3s::apiserver::tables {

namespace {

bool is_default_class(const Json& storage_class) {
  for (const char* key : {"storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"})
    if (object::annotation(storage_class, key) == "true") return true;
  return false;
}

// TOKENREQUESTS: the audiences asked for, "<unset>" when the field is absent.
std::string token_request_audiences(const Json& driver) {
  Json::json_pointer p("/spec/tokenRequests");
  if (!driver.contains(p) || !driver.at(p).is_array()) return "<unset>";
  std::vector<std::string> audiences;
  for (const auto& request : driver.at(p)) audiences.push_back(string_at(request, "/audience", ""));
  return util::join(audiences, ",");
}

std::string lifecycle_modes(const Json& driver) {
  std::vector<std::string> modes;
  Json::json_pointer p("/spec/volumeLifecycleModes");
  if (driver.contains(p) && driver.at(p).is_array())
    for (const auto& mode : driver.at(p))
      if (mode.is_string()) modes.push_back(mode.get<std::string>());
  return modes.empty() ? "<none>" : util::join(modes, ",");
}

}  // namespace

void add_storage_printers(PrinterMap& map) {
  map["storage.k8s.io/StorageClass"] = {{name_column(),
                                         {"Provisioner", "string", "", "The provisioner that creates the class's volumes.", 0},
                                         {"ReclaimPolicy", "string", "", "Reclaim policy of the volumes it provisions.", 0},
                                         {"VolumeBindingMode", "string", "", "When claims of the class get bound.", 0},
                                         {"AllowVolumeExpansion", "string", "", "Whether claims may grow.", 0},
                                         age_column()},
                                        [](const Json& o, const std::string& age, object::Timestamp) {
                                          // The default class is marked in the NAME cell itself.
                                          const std::string name = object::name_of(o) + (is_default_class(o) ? " (default)" : "");
                                          return Row{name, string_at(o, "/provisioner", ""), string_at(o, "/reclaimPolicy", "Delete"),
                                                     string_at(o, "/volumeBindingMode", "Immediate"),
                                                     bool_at(o, "/allowVolumeExpansion", false), age};
                                        }};
  map["storage.k8s.io/CSIDriver"] = {{name_column(),
                                      {"AttachRequired", "boolean", "", "Whether volumes need an attach step.", 0},
                                      {"PodInfoOnMount", "boolean", "", "Whether mounts receive pod information.", 0},
                                      {"StorageCapacity", "boolean", "", "Whether the driver reports storage capacity.", 0},
                                      {"TokenRequests", "string", "", "Audiences of the service account tokens passed on mount.", 0},
                                      {"RequiresRepublish", "boolean", "", "Whether mounts are repeated periodically.", 0},
                                      {"Modes", "string", "", "The volume lifecycle modes the driver supports.", 0},
                                      age_column()},
                                     [](const Json& o, const std::string& age, object::Timestamp) {
                                       return Row{object::name_of(o),
                                                  bool_at(o, "/spec/attachRequired", true),
                                                  bool_at(o, "/spec/podInfoOnMount", false),
                                                  bool_at(o, "/spec/storageCapacity", false),
                                                  token_request_audiences(o),
                                                  bool_at(o, "/spec/requiresRepublish", false),
                                                  lifecycle_modes(o),
                                                  age};
                                     }};
  map["storage.k8s.io/CSINode"] = {{name_column(),
                                    {"Drivers", "integer", "", "Number of CSI drivers registered on the node.", 0},
                                    age_column()},
                                   [](const Json& o, const std::string& age, object::Timestamp) {
                                     Json::json_pointer p("/spec/drivers");
                                     const std::size_t drivers = o.contains(p) && o.at(p).is_array() ? o.at(p).size() : 0;
                                     return Row{object::name_of(o), drivers, age};
                                   }};
  // kube declares ATTACHER with the "name" format too.
  map["storage.k8s.io/VolumeAttachment"] = {{name_column(),
                                             {"Attacher", "string", "name", "The driver that attaches the volume.", 0},
                                             {"PV", "string", "", "The persistent volume attached.", 0},
                                             {"Node", "string", "", "The node the volume is attached to.", 0},
                                             {"Attached", "boolean", "", "Whether the attach succeeded.", 0},
                                             age_column()},
                                            [](const Json& o, const std::string& age, object::Timestamp) {
                                              return Row{object::name_of(o), string_at(o, "/spec/attacher", ""),
                                                         string_at(o, "/spec/source/persistentVolumeName", ""),
                                                         string_at(o, "/spec/nodeName", ""), bool_at(o, "/status/attached", false),
                                                         age};
                                            }};
}

}  // namespace k3s::apiserver::tables
