#include "apps/replica_set.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>

#include "apps/apps_util.h"
#include "object/meta.h"

namespace k3s::controllers::apps {

const ReplicaSetKind& replica_set_kind() {
  static const ReplicaSetKind kind{client::resources::kReplicaSets, "apps/v1", "ReplicaSet", false};
  return kind;
}

const ReplicaSetKind& replication_controller_kind() {
  static const ReplicaSetKind kind{client::resources::kReplicationControllers, "v1", "ReplicationController", true};
  return kind;
}

ReplicaSetController::ReplicaSetController(ControllerContext& context, const std::string& name,
                                           const ReplicaSetKind& kind)
    : QueueController(context, name), kind_(kind), pod_control_(context.client, events()) {
  sets_ = informers().informer_for(kind_.resource);
  pods_ = informers().informer_for(client::resources::kPods);
  sets_->add_event_handler(enqueue_handlers(Deletes::enqueue));
  pods_->add_event_handler({
      .on_add = [this](const ObjectPtr& pod) { on_pod_added(pod); },
      .on_update = [this](const ObjectPtr& o, const ObjectPtr& n) { on_pod_updated(o, n); },
      .on_delete = [this](const client::DeletedObject& d) { on_pod_deleted(d); },
  });
}

std::string ReplicaSetController::owner_key(const Json& pod) const {
  const Json* ref = controller_ref_of(pod);
  if (!ref || ref->value("kind", "") != kind_.kind) return {};
  if (object::parse_api_version(ref->value("apiVersion", "")).group != kind_.resource.group) return {};
  const std::string key = object::namespace_of(pod) + "/" + ref->value("name", "");
  // A reference to an older object of the same name is not ours.
  auto set = sets_->indexer().get(key);
  if (!set || object::uid_of(*set) != ref->value("uid", "")) return {};
  return key;
}

void ReplicaSetController::enqueue_matching_sets(const Json& pod) {
  const auto labels = labels_set(pod);
  for (const auto& set : in_namespace(*sets_, object::namespace_of(pod)))
    if (selector_of(*set, kind_.map_selector).matches(labels)) enqueue(*set);
}

void ReplicaSetController::on_pod_added(const ObjectPtr& pod) {
  const std::string key = owner_key(*pod);
  if (object::is_being_deleted(*pod)) {
    if (!key.empty()) {
      expectations_.deletion_observed(key);
      enqueue(key);
    }
    return;
  }
  if (!key.empty()) {
    expectations_.creation_observed(key);
    enqueue(key);
    return;
  }
  if (!controller_ref_of(*pod)) enqueue_matching_sets(*pod);
}

void ReplicaSetController::on_pod_updated(const ObjectPtr& old_pod, const ObjectPtr& new_pod) {
  if (object::resource_version_of(*old_pod) == object::resource_version_of(*new_pod)) return;  // resync
  const std::string key = owner_key(*new_pod), old_key = owner_key(*old_pod);
  // A pod that starts terminating counts as deleted once; its final removal does not again.
  if (object::is_being_deleted(*new_pod) && !object::is_being_deleted(*old_pod) && !key.empty())
    expectations_.deletion_observed(key);
  if (!old_key.empty() && old_key != key) enqueue(old_key);
  if (!key.empty()) {
    enqueue(key);
    // Availability comes minReadySeconds after readiness: look again then.
    if (!is_pod_ready(*old_pod) && is_pod_ready(*new_pod)) {
      if (auto set = sets_->indexer().get(key)) {
        const auto min_ready = int_at(*set, "/spec/minReadySeconds", 0);
        if (min_ready > 0) enqueue_after(key, std::chrono::seconds(min_ready + 1));
      }
    }
    return;
  }
  if (!controller_ref_of(*new_pod) &&
      (object::labels_of(*old_pod) != object::labels_of(*new_pod) || controller_ref_of(*old_pod)))
    enqueue_matching_sets(*new_pod);
}

void ReplicaSetController::on_pod_deleted(const client::DeletedObject& deleted) {
  if (!deleted.object) return;
  const std::string key = owner_key(*deleted.object);
  if (key.empty()) return;
  if (!object::is_being_deleted(*deleted.object)) expectations_.deletion_observed(key);
  enqueue(key);
}

std::vector<ObjectPtr> ReplicaSetController::claim_pods(const Json& set) {
  const auto selector = selector_of(set, kind_.map_selector);
  const bool set_deleting = object::is_being_deleted(set);
  std::optional<bool> can_adopt;  // checked against the API once, when first needed
  std::vector<ObjectPtr> owned;
  for (const auto& pod : in_namespace(*pods_, object::namespace_of(set))) {
    if (!is_pod_active(*pod)) continue;
    const bool matches = selector.matches(labels_set(*pod));
    if (is_controlled_by(*pod, set)) {
      if (matches) {
        owned.push_back(pod);
      } else if (!set_deleting) {
        release(api(), client::resources::kPods, *pod, set);
      }
      continue;
    }
    if (controller_ref_of(*pod) || !matches || set_deleting) continue;
    if (!can_adopt) {
      // The cache may be stale: do not adopt for a set that is gone or going.
      Json fresh = api().get(kind_.resource, object::namespace_of(set), object::name_of(set));
      can_adopt = object::uid_of(fresh) == object::uid_of(set) && !object::is_being_deleted(fresh);
    }
    if (!*can_adopt) continue;
    adopt(api(), client::resources::kPods, *pod, set, kind_.api_version, kind_.kind);
    owned.push_back(pod);
  }
  return owned;
}

void ReplicaSetController::manage_replicas(const Json& set, const std::vector<ObjectPtr>& pods,
                                           const std::string& key) {
  const std::int64_t wanted = int_at(set, "/spec/replicas", 1);
  const std::int64_t diff = static_cast<std::int64_t>(pods.size()) - wanted;
  if (diff < 0) {
    const int count = static_cast<int>(std::min<std::int64_t>(-diff, kBurstReplicas));
    expectations_.expect(key, count, 0);
    const Json ref = make_controller_ref(set, kind_.api_version, kind_.kind);
    const Json pod = pod_from_template(set.value("spec", Json::object()).value("template", Json::object()),
                                       object::namespace_of(set), object::name_of(set) + "-", ref);
    // Slow start (1, 2, 4, ...): a quota or admission failure costs one request, not 500.
    int created = 0, remaining = count, batch = 1;
    std::string first_error;
    while (remaining > 0 && first_error.empty()) {
      const int size = std::min(batch, remaining);
      std::vector<std::future<std::string>> calls;
      for (int i = 0; i < size; ++i)
        calls.push_back(std::async(std::launch::async, [&]() -> std::string {
          try {
            pod_control_.create_pod(pod, set);
            return {};
          } catch (const std::exception& e) {
            return e.what();
          }
        }));
      for (auto& call : calls) {
        std::string error = call.get();
        if (error.empty())
          ++created;
        else if (first_error.empty())
          first_error = error;
      }
      remaining -= size;
      batch *= 2;
    }
    if (created < count) expectations_.lower(key, count - created, 0);
    if (!first_error.empty()) throw std::runtime_error(first_error);
    return;
  }
  if (diff > 0) {
    const int count = static_cast<int>(std::min<std::int64_t>(diff, kBurstReplicas));
    std::vector<ObjectPtr> ordered = pods;
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const ObjectPtr& a, const ObjectPtr& b) { return delete_first(*a, *b); });
    ordered.resize(count);
    expectations_.expect(key, 0, count);
    std::vector<std::future<std::string>> calls;
    for (const auto& victim : ordered)
      calls.push_back(std::async(std::launch::async, [&, victim]() -> std::string {
        try {
          pod_control_.delete_pod(object::namespace_of(*victim), object::name_of(*victim), set);
          return {};
        } catch (const std::exception& e) {
          return e.what();
        }
      }));
    std::string first_error;
    for (auto& call : calls) {
      std::string error = call.get();
      if (error.empty()) continue;
      expectations_.lower(key, 0, 1);
      if (first_error.empty()) first_error = error;
    }
    if (!first_error.empty()) throw std::runtime_error(first_error);
  }
}

Json ReplicaSetController::compute_status(const Json& set, const std::vector<ObjectPtr>& pods,
                                          const std::string& manage_error) {
  const auto template_labels = object::labels_of(set.value("spec", Json::object()).value("template", Json::object()));
  const auto min_ready = int_at(set, "/spec/minReadySeconds", 0);
  const auto now = std::chrono::system_clock::now();
  std::int64_t fully_labeled = 0, ready = 0, available = 0;
  for (const auto& pod : pods) {
    const auto labels = object::labels_of(*pod);
    if (std::all_of(template_labels.begin(), template_labels.end(), [&](const auto& kv) {
          auto it = labels.find(kv.first);
          return it != labels.end() && it->second == kv.second;
        }))
      ++fully_labeled;
    if (is_pod_ready(*pod)) {
      ++ready;
      if (is_pod_available(*pod, min_ready, now)) ++available;
    }
  }
  Json status = Json::object();
  if (set.contains("status") && set["status"].contains("conditions")) status["conditions"] = set["status"]["conditions"];
  status["replicas"] = static_cast<std::int64_t>(pods.size());
  // Zero counts are left out, as kube's omitempty fields are.
  if (fully_labeled) status["fullyLabeledReplicas"] = fully_labeled;
  if (ready) status["readyReplicas"] = ready;
  if (available) status["availableReplicas"] = available;
  if (auto generation = object::generation_of(set)) status["observedGeneration"] = generation;
  if (!manage_error.empty()) {
    const bool scaling_up = static_cast<std::int64_t>(pods.size()) < int_at(set, "/spec/replicas", 1);
    if (!find_condition(status, "ReplicaFailure"))
      set_condition(status, {{"type", "ReplicaFailure"},
                             {"status", "True"},
                             {"lastTransitionTime", now_rfc3339()},
                             {"reason", scaling_up ? "FailedCreate" : "FailedDelete"},
                             {"message", manage_error}});
  } else {
    remove_condition(status, "ReplicaFailure");
  }
  return status;
}

void ReplicaSetController::sync(const std::string& key) {
  auto cached = sets_->indexer().get(key);
  if (!cached) {
    expectations_.forget(key);
    return;
  }
  const Json& set = *cached;
  const bool need_sync = expectations_.satisfied(key);
  auto pods = claim_pods(set);
  std::string manage_error;
  if (need_sync && !object::is_being_deleted(set)) {
    try {
      manage_replicas(set, pods, key);
    } catch (const std::exception& e) {
      manage_error = e.what();
    }
  }
  Json status = compute_status(set, pods, manage_error);
  write_status(api(), kind_.resource, set, status);
  if (!manage_error.empty()) throw std::runtime_error(manage_error);
  const auto min_ready = int_at(set, "/spec/minReadySeconds", 0);
  if (min_ready > 0 && status.value("readyReplicas", 0) != status.value("availableReplicas", 0))
    enqueue_after(key, std::chrono::seconds(min_ready));
}

}  // namespace k3s::controllers::apps
