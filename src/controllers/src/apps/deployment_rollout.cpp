// Rolling out and scaling a Deployment's ReplicaSets (kube's rolling.go, recreate.go and
// sync.go scale logic).
#include <algorithm>
#include <cmath>

#include "apps/apps_util.h"
#include "apps/deployment.h"
#include "controller_utils.h"
#include "object/meta.h"

namespace k3s::controllers::apps {

namespace {
const client::GroupVersionResource& kReplicaSets = client::resources::kReplicaSets;

std::int64_t spec_replicas(const Json& rs) { return int_at(rs, "/spec/replicas", 0); }

RSList with_new(RSList sets, const std::optional<Json>& new_rs) {
  if (new_rs) sets.push_back(*new_rs);
  return sets;
}
}  // namespace

bool DeploymentController::scale_replica_set(const Json& rs, std::int64_t size, const Json& deployment) {
  const std::int64_t current = spec_replicas(rs);
  const std::int64_t desired = replicas_of(deployment), max = desired + max_surge(deployment);
  const bool size_changes = current != size;
  if (!size_changes && !replicas_annotations_need_update(rs, desired, max)) return false;
  Json next = rs;
  next["spec"]["replicas"] = size;
  set_replicas_annotations(next, desired, max);
  Json stored = api().update(kReplicaSets, next);
  if (size_changes)
    events().event(deployment, client::kEventTypeNormal, "ScalingReplicaSet",
                   std::string("Scaled ") + (current < size ? "up" : "down") + " replica set " +
                       object::name_of(stored) + " to " + std::to_string(size) + " from " + std::to_string(current));
  return size_changes;
}

bool DeploymentController::reconcile_new(const Json& deployment, const RSList& all, const Json& new_rs) {
  const std::int64_t desired = replicas_of(deployment);
  if (spec_replicas(new_rs) == desired) return false;
  if (spec_replicas(new_rs) > desired) return scale_replica_set(new_rs, desired, deployment);
  return scale_replica_set(new_rs, new_rs_new_replicas(deployment, all, new_rs), deployment);
}

bool DeploymentController::reconcile_old(const Json& deployment, const RSList& all, RSList old_sets,
                                         const Json& new_rs) {
  if (sum_spec_replicas(old_sets) == 0) return false;
  const std::int64_t all_pods = sum_spec_replicas(all);
  const std::int64_t min_available = replicas_of(deployment) - max_unavailable(deployment);
  const std::int64_t new_unavailable = spec_replicas(new_rs) - int_at(new_rs, "/status/availableReplicas", 0);
  const std::int64_t max_scaled_down = all_pods - min_available - new_unavailable;
  if (max_scaled_down <= 0) return false;

  // First the old pods that are not available anyway: removing them costs no availability.
  sort_by_creation(old_sets);
  std::int64_t cleaned = 0;
  for (auto& rs : old_sets) {
    if (cleaned >= max_scaled_down) break;
    const std::int64_t replicas = spec_replicas(rs), available = int_at(rs, "/status/availableReplicas", 0);
    if (replicas == 0 || replicas == available) continue;
    const std::int64_t count = std::min(max_scaled_down - cleaned, replicas - available);
    scale_replica_set(rs, replicas - count, deployment);
    rs["spec"]["replicas"] = replicas - count;
    cleaned += count;
  }

  // Then available ones, as far as the availability floor allows.
  const std::int64_t available_now = sum_status(with_new(old_sets, new_rs), "availableReplicas");
  std::int64_t scaled = 0;
  if (available_now > min_available) {
    const std::int64_t total = available_now - min_available;
    for (const auto& rs : old_sets) {
      if (scaled >= total) break;
      const std::int64_t replicas = spec_replicas(rs);
      if (replicas == 0) continue;
      const std::int64_t count = std::min(replicas, total - scaled);
      scale_replica_set(rs, replicas - count, deployment);
      scaled += count;
    }
  }
  return cleaned + scaled > 0;
}

void DeploymentController::rollout_rolling(Json& deployment, const RSList& sets) {
  auto new_rs = new_replica_set(deployment, sets, true);
  RSList old_sets = old_rss(sets, new_rs);
  RSList all = with_new(old_sets, new_rs);
  if (reconcile_new(deployment, all, *new_rs)) {
    sync_rollout_status(deployment, all, new_rs);
    return;
  }
  if (reconcile_old(deployment, all, active_rss(old_sets), *new_rs)) {
    sync_rollout_status(deployment, all, new_rs);
    return;
  }
  if (deployment_complete(deployment, deployment.value("status", Json::object()))) cleanup(deployment, old_sets);
  sync_rollout_status(deployment, all, new_rs);
}

bool DeploymentController::old_pods_running(const RSList& old_sets) {
  if (sum_status(old_sets, "replicas") > 0) return true;
  for (const auto& rs : old_sets) {
    for (const auto& pod : in_namespace(*pods_, object::namespace_of(rs))) {
      if (!is_controlled_by(*pod, rs)) continue;
      const std::string phase = string_at(*pod, "/status/phase");
      if (phase != "Failed" && phase != "Succeeded") return true;
    }
  }
  return false;
}

void DeploymentController::rollout_recreate(Json& deployment, const RSList& sets) {
  auto new_rs = new_replica_set(deployment, sets, false);
  RSList old_sets = old_rss(sets, new_rs);
  RSList all = with_new(old_sets, new_rs);
  bool scaled_down = false;
  for (const auto& rs : active_rss(old_sets)) scaled_down |= scale_replica_set(rs, 0, deployment);
  if (scaled_down) {
    sync_rollout_status(deployment, all, new_rs);
    return;
  }
  // Recreate promises the old pods are gone before a new one starts.
  if (old_pods_running(old_sets)) {
    sync_rollout_status(deployment, all, new_rs);
    return;
  }
  if (!new_rs) {
    new_rs = new_replica_set(deployment, sets, true);
    old_sets = old_rss(sets, new_rs);
    all = with_new(old_sets, new_rs);
  }
  if (scale_replica_set(*new_rs, replicas_of(deployment), deployment)) {
    sync_rollout_status(deployment, all, new_rs);
    return;
  }
  if (deployment_complete(deployment, deployment.value("status", Json::object()))) cleanup(deployment, old_sets);
  sync_rollout_status(deployment, all, new_rs);
}

bool DeploymentController::is_scaling_event(Json& deployment, const RSList& sets) {
  auto new_rs = new_replica_set(deployment, sets, false);
  for (const auto& rs : active_rss(with_new(old_rss(sets, new_rs), new_rs))) {
    auto desired = int_annotation(rs, kDesiredReplicasAnnotation);
    if (desired && *desired != replicas_of(deployment)) return true;
  }
  return false;
}

void DeploymentController::sync_scaling(Json& deployment, const RSList& sets) {
  auto new_rs = new_replica_set(deployment, sets, false);
  RSList old_sets = old_rss(sets, new_rs);
  scale(deployment, new_rs, old_sets);
  if (deployment["spec"].value("paused", false)) cleanup(deployment, old_sets);
  Json status = calculate_status(with_new(old_sets, new_rs), new_rs, deployment);
  write_deployment_status(deployment, status);
}

void DeploymentController::scale(const Json& deployment, std::optional<Json> new_rs, RSList old_sets) {
  const std::int64_t desired = replicas_of(deployment);
  sort_by_size_newer(old_sets);
  RSList active = active_rss(with_new(old_sets, new_rs));
  // One set carries everything (or none does): it simply takes the new size.
  std::optional<Json> only;
  if (active.empty())
    only = new_rs ? new_rs : (old_sets.empty() ? std::nullopt : std::optional<Json>(old_sets.front()));
  else if (active.size() == 1)
    only = active.front();
  if (only) {
    if (spec_replicas(*only) != desired) scale_replica_set(*only, desired, deployment);
    return;
  }
  // The new set is complete: the old ones only wait to be scaled away.
  if (new_rs && spec_replicas(*new_rs) == desired &&
      int_annotation(*new_rs, kDesiredReplicasAnnotation) == desired &&
      int_at(*new_rs, "/status/availableReplicas", 0) == desired) {
    for (const auto& rs : active_rss(old_sets)) scale_replica_set(rs, 0, deployment);
    return;
  }
  if (!is_rolling_update(deployment)) return;

  // Mid-rollout resize: every active set grows or shrinks in proportion to its size.
  const std::int64_t allowed = desired > 0 ? desired + max_surge(deployment) : 0;
  const std::int64_t to_add = allowed - sum_spec_replicas(active);
  if (to_add > 0) sort_by_size_newer(active);
  if (to_add < 0) sort_by_size_older(active);
  std::vector<std::int64_t> sizes;
  std::int64_t added = 0;
  for (const auto& rs : active) {
    std::int64_t proportion = 0;
    const std::int64_t replicas = spec_replicas(rs);
    if (to_add != 0 && replicas != 0 && to_add != added) {
      std::int64_t fraction = 0;
      if (desired == 0) {
        fraction = -replicas;
      } else {
        const auto deployment_replicas = desired + max_surge(deployment);
        const auto annotated =
            int_annotation(rs, kMaxReplicasAnnotation).value_or(int_at(deployment, "/status/replicas", 0));
        if (annotated > 0)
          fraction = std::llround(static_cast<double>(replicas * deployment_replicas) / static_cast<double>(annotated)) -
                     replicas;
      }
      const std::int64_t room = to_add - added;
      proportion = to_add > 0 ? std::min(fraction, room) : std::max(fraction, room);
    }
    sizes.push_back(replicas + proportion);
    added += proportion;
  }
  if (!active.empty()) sizes[0] = std::max<std::int64_t>(sizes[0] + (to_add - added), 0);
  for (std::size_t i = 0; i < active.size(); ++i) scale_replica_set(active[i], sizes[i], deployment);
}

}  // namespace k3s::controllers::apps
