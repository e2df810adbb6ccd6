// The "persistentvolume-binder" controller: binds each pending PersistentVolumeClaim to the
// smallest Available PersistentVolume that satisfies it (class, capacity, access modes,
// volume mode, selector), honours WaitForFirstConsumer, and moves PVs through
// Available/Bound/Released, reclaiming Released hostPath/local volumes whose policy is Delete.
#include <algorithm>

#include "batch/controllers.h"
#include "object/labels.h"
#include "object/meta.h"
#include "object/quantity.h"

namespace k3s::controllers::batch {

namespace {

using client::resources::kPersistentVolumeClaims;
using client::resources::kPersistentVolumes;
using client::resources::kStorageClasses;

constexpr const char* kSelectedNode = "volume.kubernetes.io/selected-node";
constexpr const char* kBoundByController = "pv.kubernetes.io/bound-by-controller";
constexpr const char* kBindCompleted = "pv.kubernetes.io/bind-completed";
constexpr const char* kStorageProvisioner = "volume.kubernetes.io/storage-provisioner";
constexpr const char* kBetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner";

std::string claim_class(const Json& claim) {
  const Json spec = claim.value("spec", Json::object());
  if (spec.contains("storageClassName") && spec["storageClassName"].is_string()) return spec["storageClassName"];
  if (auto beta = object::annotation(claim, "volume.beta.kubernetes.io/storage-class")) return *beta;
  return "";
}

std::string volume_class(const Json& pv) {
  const Json spec = pv.value("spec", Json::object());
  if (spec.contains("storageClassName") && spec["storageClassName"].is_string()) return spec["storageClassName"];
  if (auto beta = object::annotation(pv, "volume.beta.kubernetes.io/storage-class")) return *beta;
  return "";
}

std::string phase_of(const Json& o) { return o.value("status", Json::object()).value("phase", ""); }

std::optional<object::Quantity> quantity_at(const Json& resources, const char* key) {
  if (!resources.is_object() || !resources.contains(key)) return std::nullopt;
  try {
    return object::Quantity::from_json(resources[key]);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The PV satisfies what the claim asks for (class, size, modes, volume mode, selector).
bool satisfies(const Json& pv, const Json& claim) {
  const Json pv_spec = pv.value("spec", Json::object()), claim_spec = claim.value("spec", Json::object());
  if (volume_class(pv) != claim_class(claim)) return false;
  if (pv_spec.value("volumeMode", "Filesystem") != claim_spec.value("volumeMode", "Filesystem")) return false;
  const Json pv_modes = pv_spec.value("accessModes", Json::array());
  for (const auto& m : claim_spec.value("accessModes", Json::array()))
    if (std::find(pv_modes.begin(), pv_modes.end(), m) == pv_modes.end()) return false;
  const auto want = quantity_at(claim_spec.value("resources", Json::object()).value("requests", Json::object()), "storage");
  const auto have = quantity_at(pv_spec.value("capacity", Json::object()), "storage");
  if (want && (!have || *have < *want)) return false;
  if (claim_spec.contains("selector") && claim_spec["selector"].is_object()) {
    try {
      if (!object::labels::Selector::from_label_selector(claim_spec["selector"]).matches(object::labels_of(pv)))
        return false;
    } catch (const std::exception&) {
      return false;
    }
  }
  return true;
}

bool claim_ref_points_to(const Json& pv, const Json& claim) {
  const Json ref = pv.value("spec", Json::object()).value("claimRef", Json());
  if (!ref.is_object()) return false;
  if (ref.value("name", "") != object::name_of(claim) || ref.value("namespace", "") != object::namespace_of(claim))
    return false;
  const std::string uid = ref.value("uid", "");
  return uid.empty() || uid == object::uid_of(claim);
}

class PvBinderController : public QueueController {
 public:
  explicit PvBinderController(ControllerContext& context)
      : QueueController(context, "persistentvolume-binder"),
        volumes_(informers().informer_for(kPersistentVolumes)),
        claims_(informers().informer_for(kPersistentVolumeClaims)),
        classes_(informers().informer_for(kStorageClasses)) {
    auto volume_changed = [this](const Json& pv) {
      enqueue("pv:" + object::name_of(pv));
      // A volume coming free may be what a pending claim waits for.
      for (const auto& c : claims_->indexer().list())
        if (phase_of(*c) == "Pending" || phase_of(*c).empty()) enqueue("pvc:" + client::object_key(*c));
    };
    volumes_->add_event_handler({
        .on_add = [volume_changed](const ObjectPtr& pv) { volume_changed(*pv); },
        .on_update = [volume_changed](const ObjectPtr&, const ObjectPtr& pv) { volume_changed(*pv); },
        .on_delete = [this](const client::DeletedObject& d) {
          if (!d.object) return;
          const Json ref = d.object->value("spec", Json::object()).value("claimRef", Json());
          if (ref.is_object()) enqueue("pvc:" + ref.value("namespace", "") + "/" + ref.value("name", ""));
        },
    });
    auto claim_changed = [this](const Json& claim) {
      enqueue("pvc:" + client::object_key(claim));
      const std::string volume = claim.value("spec", Json::object()).value("volumeName", "");
      if (!volume.empty()) enqueue("pv:" + volume);
    };
    claims_->add_event_handler({
        .on_add = [claim_changed](const ObjectPtr& c) { claim_changed(*c); },
        .on_update = [claim_changed](const ObjectPtr&, const ObjectPtr& c) { claim_changed(*c); },
        .on_delete = [this](const client::DeletedObject& d) {
          if (!d.object) return;
          for (const auto& pv : volumes_->indexer().list())
            if (claim_ref_points_to(*pv, *d.object)) enqueue("pv:" + object::name_of(*pv));
        },
    });
  }

 protected:
  void sync(const std::string& key) override {
    if (key.starts_with("pv:")) return sync_volume(key.substr(3));
    if (key.starts_with("pvc:")) return sync_claim(key.substr(4));
  }

 private:
  std::optional<Json> storage_class(const std::string& name) {
    if (name.empty()) return std::nullopt;
    if (auto c = classes_->indexer().get(name)) return *c;
    return std::nullopt;
  }

  void sync_claim(const std::string& key) {
    const ObjectPtr cached = claims_->indexer().get(key);
    if (!cached || object::is_being_deleted(*cached)) return;
    Json claim = *cached;
    claim["apiVersion"] = "v1";
    claim["kind"] = "PersistentVolumeClaim";
    const std::string volume_name = claim.value("spec", Json::object()).value("volumeName", "");
    if (!volume_name.empty()) {
      const ObjectPtr pv = volumes_->indexer().get(volume_name);
      if (!pv) {
        if (phase_of(claim) == "Bound") {
          set_claim_phase(claim, "Lost");
          events().event(claim, client::kEventTypeWarning, "ClaimLost",
                         "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
        }
        return;
      }
      // Pre-bound by the user (spec.volumeName): bind the volume to it if it is free.
      const Json ref = pv->value("spec", Json::object()).value("claimRef", Json());
      if (!ref.is_object()) return bind(*pv, claim);
      if (claim_ref_points_to(*pv, claim) && phase_of(claim) != "Bound") return bind(*pv, claim);
      return;
    }
    const std::string class_name = claim_class(claim);
    const auto storage_class_obj = storage_class(class_name);
    if (storage_class_obj && storage_class_obj->value("volumeBindingMode", "Immediate") == "WaitForFirstConsumer" &&
        !object::annotation(claim, kSelectedNode)) {
      events().event(claim, client::kEventTypeNormal, "WaitForFirstConsumer",
                     "waiting for first consumer to be created before binding");
      return;
    }
    const Json* best = nullptr;
    std::optional<object::Quantity> best_size;
    std::vector<ObjectPtr> volumes = volumes_->indexer().list();
    for (const auto& pv : volumes) {
      if (object::is_being_deleted(*pv)) continue;
      const Json ref = pv->value("spec", Json::object()).value("claimRef", Json());
      if (ref.is_object()) {
        if (claim_ref_points_to(*pv, claim) && satisfies(*pv, claim)) {  // pre-bound to this claim
          best = pv.get();
          break;
        }
        continue;
      }
      if (!satisfies(*pv, claim)) continue;
      const auto size = quantity_at(pv->value("spec", Json::object()).value("capacity", Json::object()), "storage");
      if (!best || (size && best_size && *size < *best_size)) {
        best = pv.get();
        best_size = size;
      }
    }
    if (best) return bind(*best, claim);
    if (phase_of(claim).empty()) set_claim_phase(claim, "Pending");
    if (class_name.empty() || !storage_class_obj) {
      events().event(claim, client::kEventTypeNormal, "FailedBinding",
                     class_name.empty() ? "no persistent volumes available for this claim and no storage class is set"
                                        : "storageclass.storage.k8s.io \"" + class_name + "\" not found");
      return;
    }
    const std::string provisioner = storage_class_obj->value("provisioner", "");
    if (provisioner.empty() || provisioner == "kubernetes.io/no-provisioner") {
      events().event(claim, client::kEventTypeNormal, "FailedBinding",
                     "no persistent volumes available for this claim and no storage class is set");
      return;
    }
    // A dynamic provisioner outside this process creates the volume: hand the claim over.
    if (object::annotation(claim, kStorageProvisioner) != provisioner) {
      Json patch = {{"metadata", {{"annotations", {{kStorageProvisioner, provisioner}, {kBetaStorageProvisioner, provisioner}}}}}};
      api().patch(kPersistentVolumeClaims, object::namespace_of(claim), object::name_of(claim),
                  client::PatchType::merge, patch);
    }
    events().event(claim, client::kEventTypeNormal, "ExternalProvisioning",
                   "Waiting for a volume to be created either by the external provisioner '" + provisioner +
                       "' or manually by the system administrator. If volume creation is delayed, please verify "
                       "that the provisioner is running and correctly registered.");
  }

  void set_claim_phase(Json& claim, const std::string& phase) {
    claim["status"]["phase"] = phase;
    claim = api().update_status(kPersistentVolumeClaims, claim);
  }

  // The volume first (claimRef), then the claim (volumeName), each with its status, so a
  // crash in between leaves a claimRef that the next sync completes.
  void bind(const Json& cached_pv, Json claim) {
    Json pv = cached_pv;
    pv["apiVersion"] = "v1";
    pv["kind"] = "PersistentVolume";
    if (!claim_ref_points_to(pv, claim) || pv["spec"]["claimRef"].value("uid", "").empty()) {
      pv["spec"]["claimRef"] = {{"kind", "PersistentVolumeClaim"},
                                {"namespace", object::namespace_of(claim)},
                                {"name", object::name_of(claim)},
                                {"uid", object::uid_of(claim)},
                                {"apiVersion", "v1"},
                                {"resourceVersion", object::resource_version_of(claim)}};
      object::set_annotation(pv, kBoundByController, "yes");
      pv = api().update(kPersistentVolumes, pv);
    }
    if (phase_of(pv) != "Bound") {
      pv["status"]["phase"] = "Bound";
      pv = api().update_status(kPersistentVolumes, pv);
    }
    if (claim.value("spec", Json::object()).value("volumeName", "") != object::name_of(pv) ||
        !object::annotation(claim, kBindCompleted)) {
      claim["spec"]["volumeName"] = object::name_of(pv);
      object::set_annotation(claim, kBindCompleted, "yes");
      object::set_annotation(claim, kBoundByController, "yes");
      claim = api().update(kPersistentVolumeClaims, claim);
    }
    claim["status"]["phase"] = "Bound";
    claim["status"]["accessModes"] = pv["spec"].value("accessModes", Json::array());
    claim["status"]["capacity"] = pv["spec"].value("capacity", Json::object());
    api().update_status(kPersistentVolumeClaims, claim);
  }

  void sync_volume(const std::string& name) {
    const ObjectPtr cached = volumes_->indexer().get(name);
    if (!cached || object::is_being_deleted(*cached)) return;
    Json pv = *cached;
    pv["apiVersion"] = "v1";
    pv["kind"] = "PersistentVolume";
    const Json ref = pv.value("spec", Json::object()).value("claimRef", Json());
    if (!ref.is_object()) {
      if (phase_of(pv) != "Available") set_volume_phase(pv, "Available");
      return;
    }
    const ObjectPtr claim = claims_->indexer().get(ref.value("namespace", ""), ref.value("name", ""));
    const bool claim_gone = !claim || (!ref.value("uid", "").empty() && object::uid_of(*claim) != ref.value("uid", ""));
    if (!claim_gone) {
      const bool bound = claim->value("spec", Json::object()).value("volumeName", "") == name;
      const std::string want = bound ? "Bound" : "Available";
      if (phase_of(pv) != want && !(phase_of(pv) == "Released")) set_volume_phase(pv, want);
      return;
    }
    if (ref.value("uid", "").empty()) {  // pre-bound to a claim not created yet
      if (phase_of(pv) != "Available") set_volume_phase(pv, "Available");
      return;
    }
    if (phase_of(pv) != "Released" && phase_of(pv) != "Failed") {
      set_volume_phase(pv, "Released");
    }
    const std::string policy = pv["spec"].value("persistentVolumeReclaimPolicy", "Retain");
    if (policy != "Delete") return;
    if (pv["spec"].contains("hostPath") || pv["spec"].contains("local")) {
      try {
        api().remove(kPersistentVolumes, "", name);
      } catch (const client::ApiError& e) {
        if (!e.is_not_found()) throw;
      }
      return;
    }
    // Other volume types belong to their provisioner, which deletes them.
  }

  void set_volume_phase(Json& pv, const std::string& phase) {
    pv["status"]["phase"] = phase;
    pv = api().update_status(kPersistentVolumes, pv);
  }

  std::shared_ptr<client::SharedInformer> volumes_, claims_, classes_;
};

}  // namespace

std::unique_ptr<Controller> make_pv_binder_controller(ControllerContext& context) {
  return std::make_unique<PvBinderController>(context);
}

}  // namespace k3s::controllers::batch
