// core/v1 Table printers for volumes: PersistentVolume and PersistentVolumeClaim.
#include "tables_internal.h"
#include "util/strings.h"

namespace k3s::apiserver::tables {

namespace {

// "RWO,ROX,RWX,RWOP": the modes present, in this fixed order whatever the stored order.
std::string access_modes(const Json& obj, const char* pointer) {
  Json::json_pointer p(pointer);
  const Json modes = obj.contains(p) && obj.at(p).is_array() ? obj.at(p) : Json::array();
  auto has = [&](const char* mode) {
    for (const auto& m : modes)
      if (m.is_string() && m.get<std::string>() == mode) return true;
    return false;
  };
  std::vector<std::string> shown;
  if (has("ReadWriteOnce")) shown.push_back("RWO");
  if (has("ReadOnlyMany")) shown.push_back("ROX");
  if (has("ReadWriteMany")) shown.push_back("RWX");
  if (has("ReadWriteOncePod")) shown.push_back("RWOP");
  return util::join(shown, ",");
}

// The beta annotation, when present, still wins over spec.storageClassName.
std::string storage_class(const Json& obj) {
  if (auto beta = object::annotation(obj, "volume.beta.kubernetes.io/storage-class")) return *beta;
  return string_at(obj, "/spec/storageClassName", "");
}

std::string phase(const Json& obj) {
  return object::is_being_deleted(obj) ? "Terminating" : string_at(obj, "/status/phase", "");
}

std::string claim_of(const Json& pv) {
  Json::json_pointer p("/spec/claimRef");
  if (!pv.contains(p) || !pv.at(p).is_object()) return "";
  const Json& ref = pv.at(p);
  return string_at(ref, "/namespace", "") + "/" + string_at(ref, "/name", "");
}

const Column& volume_attributes_class_column() {
  static const Column c{"VolumeAttributesClass", "string", "", "The volume attributes class, <unset> when none.", 0};
  return c;
}

const Column& volume_mode_column() {
  static const Column c{"VolumeMode", "string", "", "Filesystem or Block, <unset> when not set.", 1};
  return c;
}

}  // namespace

void add_core_storage_printers(PrinterMap& map) {
  map["/PersistentVolume"] = {{name_column(),
                               {"Capacity", "string", "", "The storage capacity of the volume.", 0},
                               {"Access Modes", "string", "", "The access modes the volume offers (RWO, ROX, RWX, RWOP).", 0},
                               {"Reclaim Policy", "string", "", "What happens to the volume once its claim is released.", 0},
                               {"Status", "string", "", "The phase of the volume.", 0},
                               {"Claim", "string", "", "namespace/name of the claim bound to the volume.", 0},
                               {"StorageClass", "string", "", "The storage class of the volume.", 0},
                               volume_attributes_class_column(),
                               {"Reason", "string", "", "Why the volume is in its phase.", 0},
                               age_column(),
                               volume_mode_column()},
                              [](const Json& o, const std::string& age, object::Timestamp) {
                                return Row{object::name_of(o),
                                           quantity_at(o, "/spec/capacity/storage", "0"),
                                           access_modes(o, "/spec/accessModes"),
                                           string_at(o, "/spec/persistentVolumeReclaimPolicy", ""),
                                           phase(o),
                                           claim_of(o),
                                           storage_class(o),
                                           string_at(o, "/spec/volumeAttributesClassName", "<unset>"),
                                           string_at(o, "/status/reason", ""),
                                           age,
                                           string_at(o, "/spec/volumeMode", "<unset>")};
                              }};
  map["/PersistentVolumeClaim"] = {{name_column(),
                                    {"Status", "string", "", "The phase of the claim.", 0},
                                    {"Volume", "string", "", "The volume bound to the claim.", 0},
                                    {"Capacity", "string", "", "The capacity of the bound volume.", 0},
                                    {"Access Modes", "string", "", "The access modes of the bound volume.", 0},
                                    {"StorageClass", "string", "", "The storage class of the claim.", 0},
                                    volume_attributes_class_column(),
                                    age_column(),
                                    volume_mode_column()},
                                   [](const Json& o, const std::string& age, object::Timestamp) {
                                     // Capacity and modes are the bound volume's, so blank until bound.
                                     const std::string volume = string_at(o, "/spec/volumeName", "");
                                     const bool bound = !volume.empty();
                                     return Row{object::name_of(o),
                                                phase(o),
                                                volume,
                                                bound ? quantity_at(o, "/status/capacity/storage", "0") : "",
                                                bound ? access_modes(o, "/status/accessModes") : "",
                                                storage_class(o),
                                                string_at(o, "/spec/volumeAttributesClassName", "<unset>"),
                                                age,
                                                string_at(o, "/spec/volumeMode", "<unset>")};
                                   }};
}

}  // namespace k3s::apiserver::tables
