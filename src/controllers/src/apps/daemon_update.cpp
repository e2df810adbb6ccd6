#include "apps/daemon_update.h"

#include <algorithm>

#include "apps/apps_util.h"
#include "apps/history.h"
#include "controller_utils.h"
#include "object/meta.h"

namespace k3s::controllers::apps {

namespace {
std::string pod_hash(const Json& pod) { return object::label(pod, kControllerRevisionHashLabel).value_or(""); }

bool older(const ObjectPtr& a, const ObjectPtr& b) {
  const std::string ta = string_at(*a, "/metadata/creationTimestamp"), tb = string_at(*b, "/metadata/creationTimestamp");
  if (ta != tb) return ta < tb;
  return object::name_of(*a) < object::name_of(*b);
}

std::int64_t resolve(const Json& ds, const char* pointer, std::int64_t desired, std::int64_t fallback) {
  Json::json_pointer p(pointer);
  if (!ds.contains(p) || ds.at(p).is_null()) return fallback;
  try {
    return std::max<std::int64_t>(scaled_value(ds.at(p), desired, true), 0);
  } catch (const std::exception&) {
    return fallback;
  }
}

// The live pods of a node split by revision. `ok` is false when either side has more than
// one pod: the manage step trims those first.
struct NodeState {
  ObjectPtr current, old;
  bool ok = true;
};

NodeState node_state(const std::vector<ObjectPtr>& pods, const std::string& hash) {
  NodeState state;
  for (const auto& pod : pods) {
    if (object::is_being_deleted(*pod)) continue;
    ObjectPtr& slot = pod_hash(*pod) == hash ? state.current : state.old;
    if (slot) state.ok = false;
    slot = pod;
  }
  return state;
}
}  // namespace

DaemonUpdateBudget daemon_update_budget(const Json& ds, std::int64_t desired) {
  DaemonUpdateBudget budget;
  budget.max_surge = resolve(ds, "/spec/updateStrategy/rollingUpdate/maxSurge", desired, 0);
  budget.max_unavailable = resolve(ds, "/spec/updateStrategy/rollingUpdate/maxUnavailable", desired, 1);
  if (budget.max_surge == 0 && budget.max_unavailable == 0) budget.max_unavailable = 1;
  return budget;
}

DaemonUpdatePlan plan_rolling_update(const Json& ds, const DaemonPodsByNode& pods,
                                     const std::map<std::string, bool>& should_run, const std::string& hash,
                                     std::chrono::system_clock::time_point now) {
  std::int64_t desired = 0;
  for (const auto& [node, run] : should_run) desired += run;
  const DaemonUpdateBudget budget = daemon_update_budget(ds, desired);
  const auto min_ready = int_at(ds, "/spec/minReadySeconds", 0);
  const std::vector<ObjectPtr> none;
  DaemonUpdatePlan plan;

  if (budget.max_surge == 0) {
    // Delete first: an unavailable old pod costs nothing; available ones go while fewer
    // than maxUnavailable nodes are without an available pod.
    std::int64_t unavailable = 0;
    std::vector<ObjectPtr> candidates;
    for (const auto& [node, run] : should_run) {
      if (!run) continue;
      auto it = pods.find(node);
      const NodeState state = node_state(it == pods.end() ? none : it->second, hash);
      if (!state.ok || (!state.current && !state.old)) {
        ++unavailable;
        continue;
      }
      if (!state.old) {
        if (!is_pod_available(*state.current, min_ready, now)) ++unavailable;
        continue;
      }
      if (!is_pod_available(*state.old, min_ready, now))
        plan.remove.push_back(state.old);
      else
        candidates.push_back(state.old);
    }
    const std::int64_t room = std::max<std::int64_t>(budget.max_unavailable - unavailable, 0);
    for (std::int64_t i = 0; i < room && i < static_cast<std::int64_t>(candidates.size()); ++i)
      plan.remove.push_back(candidates[i]);
    return plan;
  }

  // Create first: a node running both an old and an unavailable new pod is a surge in use.
  std::int64_t surging = 0;
  std::vector<std::string> candidates;
  for (const auto& [node, run] : should_run) {
    if (!run) continue;
    auto it = pods.find(node);
    const NodeState state = node_state(it == pods.end() ? none : it->second, hash);
    if (!state.ok) {
      ++surging;
      continue;
    }
    if (!state.old) continue;  // nothing to replace, or the manage step creates the pod
    if (!state.current) {
      if (!is_pod_available(*state.old, min_ready, now))
        plan.create_on.push_back(node);  // replacing an unavailable pod loses nothing
      else
        candidates.push_back(node);
      continue;
    }
    if (is_pod_available(*state.current, min_ready, now)) {
      plan.remove.push_back(state.old);
    } else {
      ++surging;
      if (is_pod_ready(*state.current)) plan.waiting_for_availability = true;
    }
  }
  const std::int64_t room = std::max<std::int64_t>(budget.max_surge - surging, 0);
  for (std::int64_t i = 0; i < room && i < static_cast<std::int64_t>(candidates.size()); ++i)
    plan.create_on.push_back(candidates[i]);
  return plan;
}

std::vector<ObjectPtr> surplus_daemon_pods(std::vector<ObjectPtr> live, const std::string& hash, bool surge) {
  std::sort(live.begin(), live.end(), older);
  if (live.size() <= 1) return {};
  if (!surge) return {live.begin() + 1, live.end()};
  std::vector<ObjectPtr> surplus;
  bool kept_current = false, kept_old = false;
  for (const auto& pod : live) {
    bool& kept = pod_hash(*pod) == hash ? kept_current : kept_old;
    if (kept)
      surplus.push_back(pod);
    else
      kept = true;
  }
  return surplus;
}

}  // namespace k3s::controllers::apps
