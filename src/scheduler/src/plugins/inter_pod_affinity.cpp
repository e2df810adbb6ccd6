// InterPodAffinity: required affinity and anti-affinity of the incoming pod, required
// anti-affinity of pods already placed (against the incoming pod), and the preferred
// terms of both sides for scoring, over any topology key.
#include <algorithm>
#include <limits>
#include <map>

#include "plugins/plugins.h"

namespace k3s::scheduler::plugins {

namespace {

using TopologyPair = std::pair<std::string, std::string>;
using TopologyCounts = std::map<TopologyPair, std::int64_t>;

constexpr std::int64_t kHardPodAffinityWeight = 1;

bool matches_all(const std::vector<AffinityTerm>& terms, const PodInfo& pod, const NamespaceLabelsLookup& ns) {
  if (terms.empty()) return false;
  for (const auto& t : terms) {
    if (!t.matches(pod, ns)) return false;
  }
  return true;
}

void add_pair(TopologyCounts& counts, const NodeInfo& node, const std::string& key, std::int64_t delta) {
  auto label = node.labels().find(key);
  if (label == node.labels().end()) return;
  auto& n = counts[{key, label->second}];
  n += delta;
  if (n == 0) counts.erase({key, label->second});
}

struct FilterState final : PluginState {
  TopologyCounts existing_anti_affinity;  // placed pods whose anti-affinity rejects the pod
  TopologyCounts affinity;                // placed pods matching all of the pod's affinity terms
  TopologyCounts anti_affinity;           // placed pods matching one of the pod's anti-affinity terms
  std::unique_ptr<PluginState> clone() const override { return std::make_unique<FilterState>(*this); }
};

struct ScoreState final : PluginState {
  TopologyCounts scores;
  std::unique_ptr<PluginState> clone() const override { return std::make_unique<ScoreState>(*this); }
};

class InterPodAffinity final : public PreFilterPlugin, public FilterPlugin, public ScorePlugin {
 public:
  std::string_view name() const override { return "InterPodAffinity"; }

  Status pre_filter(CycleState& state, const PodInfo& pod, const ClusterState& cluster) override {
    auto ns = cluster.namespace_lookup();
    auto s = std::make_unique<FilterState>();
    bool any_existing_anti = false;
    for (const NodeInfo* node : cluster.nodes()) {
      for (const auto& existing : node->pods_with_required_anti_affinity()) {
        any_existing_anti = true;
        count_existing_anti(*s, pod, *existing, *node, ns, +1);
      }
    }
    bool own_terms = !pod.required_affinity.empty() || !pod.required_anti_affinity.empty();
    if (!own_terms && !any_existing_anti) return Status::skipped();
    if (own_terms) {
      for (const NodeInfo* node : cluster.nodes()) {
        for (const auto& existing : node->pods()) count_own_terms(*s, pod, *existing, *node, ns, +1);
      }
    }
    state.write(this, std::move(s));
    return Status::ok();
  }

  void add_pod(CycleState& state, const PodInfo& pod, const PodInfoPtr& other, const NodeInfo& node,
               const ClusterState& cluster) const override {
    update(state, pod, *other, node, cluster, +1);
  }
  void remove_pod(CycleState& state, const PodInfo& pod, const PodInfoPtr& other, const NodeInfo& node,
                  const ClusterState& cluster) const override {
    update(state, pod, *other, node, cluster, -1);
  }

  Status filter(const CycleState& state, const PodInfo& pod, const NodeInfo& node,
                const ClusterState& cluster) const override {
    auto* s = state.read_as<FilterState>(this);
    if (!s) return Status::ok();
    if (!satisfies_affinity(*s, pod, node, cluster)) return Status::unresolvable(kReasonAffinity);
    for (const auto& term : pod.required_anti_affinity) {
      auto label = node.labels().find(term.topology_key);
      if (label != node.labels().end() && s->anti_affinity.count({term.topology_key, label->second})) {
        return Status::unschedulable(kReasonAntiAffinity);
      }
    }
    for (const auto& [pair, count] : s->existing_anti_affinity) {
      auto label = node.labels().find(pair.first);
      if (count > 0 && label != node.labels().end() && label->second == pair.second) {
        return Status::unschedulable(kReasonExistingAntiAffinity);
      }
    }
    return Status::ok();
  }

  Status pre_score(CycleState& state, const PodInfo& pod, const std::vector<const NodeInfo*>&,
                   const ClusterState& cluster) override {
    bool own_preferences = !pod.preferred_affinity.empty() || !pod.preferred_anti_affinity.empty();
    bool others_have_affinity = false;
    for (const NodeInfo* node : cluster.nodes()) {
      if (!node->pods_with_affinity().empty()) {
        others_have_affinity = true;
        break;
      }
    }
    if (!own_preferences && !others_have_affinity) return Status::skipped();
    auto ns = cluster.namespace_lookup();
    auto s = std::make_unique<ScoreState>();
    for (const NodeInfo* node : cluster.nodes()) {
      const auto& candidates = own_preferences ? node->pods() : node->pods_with_affinity();
      for (const auto& existing : candidates) {
        for (const auto& w : pod.preferred_affinity) {
          if (w.term.matches(*existing, ns)) add_pair(s->scores, *node, w.term.topology_key, w.weight);
        }
        for (const auto& w : pod.preferred_anti_affinity) {
          if (w.term.matches(*existing, ns)) add_pair(s->scores, *node, w.term.topology_key, -w.weight);
        }
        for (const auto& t : existing->required_affinity) {
          if (t.matches(pod, ns)) add_pair(s->scores, *node, t.topology_key, kHardPodAffinityWeight);
        }
        for (const auto& w : existing->preferred_affinity) {
          if (w.term.matches(pod, ns)) add_pair(s->scores, *node, w.term.topology_key, w.weight);
        }
        for (const auto& w : existing->preferred_anti_affinity) {
          if (w.term.matches(pod, ns)) add_pair(s->scores, *node, w.term.topology_key, -w.weight);
        }
      }
    }
    state.write(this, std::move(s));
    return Status::ok();
  }

  std::int64_t score(const CycleState& state, const PodInfo&, const NodeInfo& node, const ClusterState&) const override {
    auto* s = state.read_as<ScoreState>(this);
    std::int64_t total = 0;
    for (const auto& [pair, value] : s->scores) {
      auto label = node.labels().find(pair.first);
      if (label != node.labels().end() && label->second == pair.second) total += value;
    }
    return total;
  }

  void normalize(const CycleState&, const PodInfo&, std::vector<std::int64_t>& scores) const override {
    if (scores.empty()) return;
    auto [lo, hi] = std::minmax_element(scores.begin(), scores.end());
    std::int64_t min = *lo, diff = *hi - *lo;
    for (auto& s : scores) s = diff > 0 ? kMaxNodeScore * (s - min) / diff : 0;
  }

 private:
  static void count_existing_anti(FilterState& s, const PodInfo& pod, const PodInfo& existing, const NodeInfo& node,
                                  const NamespaceLabelsLookup& ns, std::int64_t delta) {
    for (const auto& term : existing.required_anti_affinity) {
      if (term.matches(pod, ns)) add_pair(s.existing_anti_affinity, node, term.topology_key, delta);
    }
  }

  static void count_own_terms(FilterState& s, const PodInfo& pod, const PodInfo& existing, const NodeInfo& node,
                              const NamespaceLabelsLookup& ns, std::int64_t delta) {
    if (matches_all(pod.required_affinity, existing, ns)) {
      for (const auto& term : pod.required_affinity) add_pair(s.affinity, node, term.topology_key, delta);
    }
    for (const auto& term : pod.required_anti_affinity) {
      if (term.matches(existing, ns)) add_pair(s.anti_affinity, node, term.topology_key, delta);
    }
  }

  void update(CycleState& state, const PodInfo& pod, const PodInfo& other, const NodeInfo& node,
              const ClusterState& cluster, std::int64_t delta) const {
    auto* s = state.read_as<FilterState>(this);
    if (!s) return;
    auto ns = cluster.namespace_lookup();
    count_existing_anti(*s, pod, other, node, ns, delta);
    count_own_terms(*s, pod, other, node, ns, delta);
  }

  static bool satisfies_affinity(const FilterState& s, const PodInfo& pod, const NodeInfo& node,
                                 const ClusterState& cluster) {
    if (pod.required_affinity.empty()) return true;
    bool pods_exist = true;
    for (const auto& term : pod.required_affinity) {
      auto label = node.labels().find(term.topology_key);
      if (label == node.labels().end()) return false;  // every topology key must be on the node
      if (!s.affinity.count({term.topology_key, label->second})) pods_exist = false;
    }
    if (pods_exist) return true;
    // The first pod of a group with affinity to itself: nothing matches anywhere yet, so
    // let it start the group if it matches its own terms.
    return s.affinity.empty() && matches_all(pod.required_affinity, pod, cluster.namespace_lookup());
  }
};

}  // namespace

std::shared_ptr<Plugin> make_inter_pod_affinity() { return std::make_shared<InterPodAffinity>(); }

}  // namespace k3s::scheduler::plugins
