#include "apps/stateful_set.h"

#include <algorithm>
#include <charconv>

#include "apps/apps_util.h"
#include "apps/claim_retention.h"
#include "controller_utils.h"
#include "object/meta.h"

namespace k3s::controllers::apps {

namespace {
const client::GroupVersionResource& kStatefulSets = client::resources::kStatefulSets;
constexpr const char* kPodNameLabel = "statefulset.kubernetes.io/pod-name";
constexpr const char* kPodIndexLabel = "apps.kubernetes.io/pod-index";

// The ordinal of a pod named <set>-<ordinal>, or nullopt when it is not a member's name.
std::optional<std::int64_t> ordinal_of(const std::string& set_name, const std::string& pod_name) {
  if (pod_name.size() <= set_name.size() + 1 || pod_name.compare(0, set_name.size(), set_name) != 0 ||
      pod_name[set_name.size()] != '-')
    return std::nullopt;
  const char* begin = pod_name.data() + set_name.size() + 1;
  const char* end = pod_name.data() + pod_name.size();
  std::int64_t ordinal = 0;
  auto [ptr, ec] = std::from_chars(begin, end, ordinal);
  if (ec != std::errc() || ptr != end || ordinal < 0) return std::nullopt;
  return ordinal;
}

bool running_and_ready(const Json& pod) {
  return string_at(pod, "/status/phase") == "Running" && is_pod_ready(pod) && !object::is_being_deleted(pod);
}

std::string revision_of_pod(const Json& pod) { return object::label(pod, kControllerRevisionHashLabel).value_or(""); }

std::string claim_name(const Json& claim_template, const Json& set, std::int64_t ordinal) {
  return object::name_of(claim_template) + "-" + object::name_of(set) + "-" + std::to_string(ordinal);
}
}  // namespace

StatefulSetController::StatefulSetController(ControllerContext& context) : QueueController(context, "statefulset") {
  sets_ = informers().informer_for(kStatefulSets);
  pods_ = informers().informer_for(client::resources::kPods);
  revisions_ = informers().informer_for(client::resources::kControllerRevisions);
  claims_ = informers().informer_for(client::resources::kPersistentVolumeClaims);
  // A member waiting for its scaled-away claim to be garbage collected resumes once it is
  // gone; claim deletions are rare, so every set of the namespace takes a look.
  claims_->add_event_handler({
      .on_delete =
          [this](const client::DeletedObject& d) {
            if (!d.object) return;
            for (const auto& set : in_namespace(*sets_, object::namespace_of(*d.object))) enqueue(*set);
          },
  });
  sets_->add_event_handler(enqueue_handlers(Deletes::enqueue));
  auto on_pod = [this](const Json& pod) {
    if (auto key = owner_key(pod); !key.empty()) enqueue(key);
  };
  pods_->add_event_handler({
      .on_add = [on_pod](const ObjectPtr& pod) { on_pod(*pod); },
      .on_update =
          [on_pod](const ObjectPtr& old_pod, const ObjectPtr& pod) {
            if (object::resource_version_of(*old_pod) != object::resource_version_of(*pod)) on_pod(*pod);
          },
      .on_delete =
          [on_pod](const client::DeletedObject& d) {
            if (d.object) on_pod(*d.object);
          },
  });
}

std::string StatefulSetController::owner_key(const Json& pod) const {
  const Json* ref = controller_ref_of(pod);
  if (!ref || ref->value("kind", "") != "StatefulSet") return {};
  const std::string key = object::namespace_of(pod) + "/" + ref->value("name", "");
  auto set = sets_->indexer().get(key);
  if (!set || object::uid_of(*set) != ref->value("uid", "")) return {};
  return key;
}

std::map<std::int64_t, ObjectPtr> StatefulSetController::claim_pods(const Json& set) {
  const auto selector = selector_of(set);
  std::map<std::int64_t, ObjectPtr> out;
  for (const auto& pod : in_namespace(*pods_, object::namespace_of(set))) {
    auto ordinal = ordinal_of(object::name_of(set), object::name_of(*pod));
    const bool matches = selector.matches(labels_set(*pod)) && ordinal;
    if (is_controlled_by(*pod, set)) {
      if (!matches) {
        if (!object::is_being_deleted(set)) release(api(), client::resources::kPods, *pod, set);
        continue;
      }
    } else if (controller_ref_of(*pod) || !matches || object::is_being_deleted(set) || object::is_being_deleted(*pod)) {
      continue;
    } else {
      adopt(api(), client::resources::kPods, *pod, set, "apps/v1", "StatefulSet");
    }
    out[*ordinal] = pod;
  }
  return out;
}

Json StatefulSetController::member_pod(const Json& set, const Json& revision, std::int64_t ordinal) const {
  const std::string name = object::name_of(set) + "-" + std::to_string(ordinal);
  Json pod = pod_from_template(template_of_revision(revision), object::namespace_of(set), "",
                               make_controller_ref(set, "apps/v1", "StatefulSet"));
  pod["metadata"].erase("generateName");
  pod["metadata"]["name"] = name;
  pod["metadata"]["labels"][kPodNameLabel] = name;
  pod["metadata"]["labels"][kPodIndexLabel] = std::to_string(ordinal);
  pod["metadata"]["labels"][kControllerRevisionHashLabel] = object::name_of(revision);
  Json& spec = pod["spec"];
  spec["hostname"] = name;
  const std::string service = string_at(set, "/spec/serviceName");
  if (!service.empty()) spec["subdomain"] = service;
  // Each claim template becomes this member's own claim, replacing a same-named volume.
  for (const auto& claim : set["spec"].value("volumeClaimTemplates", Json::array())) {
    Json volume = {{"name", object::name_of(claim)},
                   {"persistentVolumeClaim", {{"claimName", claim_name(claim, set, ordinal)}}}};
    Json volumes = Json::array();
    for (const auto& v : spec.value("volumes", Json::array()))
      if (v.value("name", "") != object::name_of(claim)) volumes.push_back(v);
    volumes.push_back(volume);
    spec["volumes"] = volumes;
  }
  return pod;
}

void StatefulSetController::create_claims(const Json& set, std::int64_t ordinal) {
  for (const auto& claim_template : set["spec"].value("volumeClaimTemplates", Json::array())) {
    Json claim = {{"apiVersion", "v1"}, {"kind", "PersistentVolumeClaim"}};
    claim["metadata"] = claim_template.value("metadata", Json::object());
    claim["metadata"]["name"] = claim_name(claim_template, set, ordinal);
    claim["metadata"]["namespace"] = object::namespace_of(set);
    Json labels = claim["metadata"].value("labels", Json::object());
    const Json match_labels = set["spec"].value("selector", Json::object()).value("matchLabels", Json::object());
    for (const auto& [k, v] : match_labels.items()) labels[k] = v;
    if (!labels.empty()) claim["metadata"]["labels"] = labels;
    claim["spec"] = claim_template.value("spec", Json::object());
    const std::string pod_name = object::name_of(set) + "-" + std::to_string(ordinal);
    // Born with the references the retention policy asks for (the pod has no uid yet, and a
    // member being created is never a scaled-down one).
    const Json pod_ref = {{"metadata", {{"name", pod_name}}}};
    if (auto refs = retained_claim_owner_refs(claim, set, pod_ref, false); refs && !refs->empty())
      claim["metadata"]["ownerReferences"] = *refs;
    try {
      api().create(client::resources::kPersistentVolumeClaims, claim);
      events().event(set, client::kEventTypeNormal, "SuccessfulCreate",
                     "create Claim " + object::name_of(claim) + " Pod " + pod_name + " in StatefulSet " +
                         object::name_of(set) + " success");
    } catch (const client::ApiError& e) {
      if (e.is_already_exists()) continue;  // claims outlive their pods
      events().event(set, client::kEventTypeWarning, "FailedCreate",
                     "create Claim " + object::name_of(claim) + " for Pod " + pod_name + " in StatefulSet " +
                         object::name_of(set) + " failed error: " + e.what());
      throw;
    }
  }
}

bool StatefulSetController::claims_pending_deletion(const Json& set, std::int64_t ordinal) const {
  const Json pod_ref = {{"metadata", {{"name", object::name_of(set) + "-" + std::to_string(ordinal)}}}};
  for (const auto& claim_template : set["spec"].value("volumeClaimTemplates", Json::array())) {
    auto claim = claims_->indexer().get(object::namespace_of(set) + "/" + claim_name(claim_template, set, ordinal));
    if (claim && claim_owned_by_earlier_pod(*claim, pod_ref)) return true;
  }
  return false;
}

namespace {
bool same_refs(const Json& a, const Json& b) {
  if (a.size() != b.size()) return false;
  for (const auto& ref : a)
    if (std::find(b.begin(), b.end(), ref) == b.end()) return false;
  return true;
}
}  // namespace

void StatefulSetController::update_claim_owners(const Json& set, const Json& pod, bool scaled_down) {
  const auto ordinal = ordinal_of(object::name_of(set), object::name_of(pod));
  if (!ordinal) return;
  for (const auto& claim_template : set["spec"].value("volumeClaimTemplates", Json::array())) {
    const std::string name = claim_name(claim_template, set, *ordinal);
    auto claim = claims_->indexer().get(object::namespace_of(set) + "/" + name);
    if (!claim) continue;  // created with the member, or already gone
    auto refs = retained_claim_owner_refs(*claim, set, pod, scaled_down);
    const Json current = claim->value("metadata", Json::object()).value("ownerReferences", Json::array());
    if (!refs || same_refs(*refs, current)) continue;
    // Conditional on the cached resourceVersion: a claim changed meanwhile is re-read by
    // the retry the conflict causes.
    const Json patch = {{"metadata", {{"resourceVersion", object::resource_version_of(*claim)},
                                      {"ownerReferences", refs->empty() ? Json(nullptr) : *refs}}}};
    try {
      api().patch(client::resources::kPersistentVolumeClaims, object::namespace_of(set), name,
                  client::PatchType::merge, patch.dump());
    } catch (const client::ApiError& e) {
      if (e.is_not_found()) continue;
      if (e.is_conflict()) {  // the cache has not seen the claim's last change yet
        enqueue_after(object::namespace_of(set) + "/" + object::name_of(set), std::chrono::seconds(1));
        continue;
      }
      throw;
    }
  }
}

void StatefulSetController::create_member(const Json& set, const Json& revision, std::int64_t ordinal) {
  create_claims(set, ordinal);
  Json pod = member_pod(set, revision, ordinal);
  const std::string name = object::name_of(pod);
  try {
    api().create(client::resources::kPods, pod);
  } catch (const client::ApiError& e) {
    if (e.is_already_exists()) return;  // the cache has not shown it yet
    events().event(set, client::kEventTypeWarning, "FailedCreate",
                   "create Pod " + name + " in StatefulSet " + object::name_of(set) + " failed error: " + e.what());
    throw;
  }
  events().event(set, client::kEventTypeNormal, "SuccessfulCreate",
                 "create Pod " + name + " in StatefulSet " + object::name_of(set) + " successful");
}

void StatefulSetController::delete_member(const Json& set, const Json& pod) {
  const std::string name = object::name_of(pod);
  try {
    api().remove(client::resources::kPods, object::namespace_of(pod), name);
  } catch (const client::ApiError& e) {
    if (e.is_not_found()) return;
    events().event(set, client::kEventTypeWarning, "FailedDelete",
                   "delete Pod " + name + " in StatefulSet " + object::name_of(set) + " failed error: " + e.what());
    throw;
  }
  events().event(set, client::kEventTypeNormal, "SuccessfulDelete",
                 "delete Pod " + name + " in StatefulSet " + object::name_of(set) + " successful");
}

void StatefulSetController::reconcile(const Json& set, const std::map<std::int64_t, ObjectPtr>& pods,
                                      const Revisions& revisions, const Json& current_revision) {
  const Json& update_revision = revisions.current;
  const std::int64_t replicas = int_at(set, "/spec/replicas", 1);
  const std::int64_t start = int_at(set, "/spec/ordinals/start", 0);
  const bool ordered = string_at(set, "/spec/podManagementPolicy", "OrderedReady") == "OrderedReady";
  const bool rolling = string_at(set, "/spec/updateStrategy/type", "RollingUpdate") == "RollingUpdate";
  const std::int64_t partition = int_at(set, "/spec/updateStrategy/rollingUpdate/partition", 0);

  // Members below the partition keep the current revision while an update is partitioned.
  auto revision_for = [&](std::int64_t ordinal) -> const Json& {
    if (rolling && object::name_of(current_revision) != object::name_of(update_revision) &&
        ordinal - start < partition)
      return current_revision;
    return update_revision;
  };

  bool healthy = true;  // every member so far is running and ready
  for (std::int64_t i = 0; i < replicas; ++i) {
    const std::int64_t ordinal = start + i;
    auto it = pods.find(ordinal);
    if (it == pods.end()) {
      if (claims_pending_deletion(set, ordinal)) {  // wait for the garbage collector
        if (ordered) return;
        healthy = false;
        continue;
      }
      create_member(set, revision_for(ordinal), ordinal);
      if (ordered) return;  // one at a time, in order
      healthy = false;
      continue;
    }
    const Json& pod = *it->second;
    if (!object::is_being_deleted(pod)) update_claim_owners(set, pod, false);
    const std::string phase = string_at(pod, "/status/phase");
    if ((phase == "Failed" || phase == "Succeeded") && !object::is_being_deleted(pod)) {
      delete_member(set, pod);  // recreated by a later sync
      if (ordered) return;
      healthy = false;
      continue;
    }
    if (!running_and_ready(pod)) {
      healthy = false;
      if (ordered) return;  // wait for it before touching the next one
    }
  }

  // Members beyond the new size go, highest ordinal first.
  std::vector<ObjectPtr> condemned;
  for (const auto& [ordinal, pod] : pods)
    if (ordinal < start || ordinal >= start + replicas) condemned.push_back(pod);
  std::reverse(condemned.begin(), condemned.end());
  // Every condemned member's claims get their scale-down owners before any pod goes, so the
  // garbage collector removes them with the pod (whenScaled: Delete).
  for (const auto& pod : condemned) update_claim_owners(set, *pod, true);
  for (const auto& pod : condemned) {
    if (object::is_being_deleted(*pod)) {
      if (ordered) return;
      continue;
    }
    if (ordered && !healthy) return;
    delete_member(set, *pod);
    if (ordered) return;
  }

  if (!rolling || !healthy) return;
  // Rolling update: highest ordinal first, one member at a time, down to the partition.
  for (std::int64_t i = replicas - 1; i >= partition; --i) {
    auto it = pods.find(start + i);
    if (it == pods.end()) return;
    const Json& pod = *it->second;
    if (revision_of_pod(pod) != object::name_of(update_revision) && !object::is_being_deleted(pod)) {
      delete_member(set, pod);
      return;
    }
    if (!running_and_ready(pod)) return;
  }
}

Json StatefulSetController::compute_status(const Json& set, const std::map<std::int64_t, ObjectPtr>& pods,
                                           const Json& current_revision, const Json& update_revision) {
  std::int64_t count = 0, ready = 0, available = 0, current = 0, updated = 0;
  const auto min_ready = int_at(set, "/spec/minReadySeconds", 0);
  for (const auto& [ordinal, pod] : pods) {
    if (string_at(*pod, "/status/phase").empty()) continue;  // not created yet
    ++count;
    if (running_and_ready(*pod)) {
      ++ready;
      if (is_pod_available(*pod, min_ready)) ++available;
    }
    if (object::is_being_deleted(*pod)) continue;
    if (revision_of_pod(*pod) == object::name_of(current_revision)) ++current;
    if (revision_of_pod(*pod) == object::name_of(update_revision)) ++updated;
  }
  Json status = set.value("status", Json::object());
  if (auto generation = object::generation_of(set)) status["observedGeneration"] = generation;
  status["replicas"] = count;
  auto put = [&](const char* field, std::int64_t value) {
    if (value)
      status[field] = value;
    else
      status.erase(field);
  };
  put("readyReplicas", ready);
  put("availableReplicas", available);
  put("currentReplicas", current);
  put("updatedReplicas", updated);
  status["currentRevision"] = object::name_of(current_revision);
  status["updateRevision"] = object::name_of(update_revision);
  // A finished rolling update makes the update revision the current one.
  if (string_at(set, "/spec/updateStrategy/type", "RollingUpdate") == "RollingUpdate" &&
      updated == int_at(set, "/spec/replicas", 1) && ready == updated && count == updated) {
    status["currentRevision"] = object::name_of(update_revision);
    put("currentReplicas", updated);
  }
  return status;
}

void StatefulSetController::sync(const std::string& key) {
  auto cached = sets_->indexer().get(key);
  if (!cached) return;
  const Json& set = *cached;
  if (object::is_being_deleted(set)) return;
  if (selector_of(set).is_nothing()) {
    events().event(set, client::kEventTypeWarning, "SelectingAll",
                   "This statefulset is selecting all pods. A non-empty selector is required.");
    return;
  }
  Revisions revisions = sync_revisions(api(), *revisions_, set, "StatefulSet");
  Json current_revision = revisions.current;
  const std::string current_name = string_at(set, "/status/currentRevision");
  for (const auto& r : revisions.all)
    if (object::name_of(r) == current_name) current_revision = r;

  auto pods = claim_pods(set);
  std::string error;
  try {
    reconcile(set, pods, revisions, current_revision);
  } catch (const std::exception& e) {
    error = e.what();
  }
  write_status(api(), kStatefulSets, set, compute_status(set, pods, current_revision, revisions.current));
  std::vector<std::string> in_use{object::name_of(current_revision)};
  for (const auto& [ordinal, pod] : pods) in_use.push_back(revision_of_pod(*pod));
  trim_history(api(), revisions, set, in_use);
  if (!error.empty()) throw std::runtime_error(error);
}

}  // namespace k3s::controllers::apps
