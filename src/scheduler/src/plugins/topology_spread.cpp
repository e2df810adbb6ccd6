// PodTopologySpread: hard constraints (DoNotSchedule) filter, soft ones (ScheduleAnyway)
// and the scheduler's default constraints score, with kube-scheduler's skew, minDomains,
// node inclusion policies and score formula.
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "plugins/plugins.h"

namespace k3s::scheduler::plugins {

namespace {

bool node_has_all_keys(const NodeInfo& node, const std::vector<SpreadConstraint>& constraints) {
  for (const auto& c : constraints) {
    if (!node.labels().count(c.topology_key)) return false;
  }
  return true;
}

bool node_included(const SpreadConstraint& c, const PodInfo& pod, const NodeInfo& node) {
  if (c.honor_node_affinity && !pod.matches_node_selection(node.labels(), node.name())) return false;
  if (c.honor_node_taints) {
    for (const auto& t : node.taints()) {
      if ((t.effect == kTaintEffectNoSchedule || t.effect == kTaintEffectNoExecute) && !tolerates_taint(pod.tolerations, t)) {
        return false;
      }
    }
  }
  return true;
}

std::int64_t count_matching(const NodeInfo& node, const PodMatcher& matcher) {
  // Controller uids are unique cluster-wide, so the namespace check is implied.
  if (!matcher.selector) return matcher.controller_uid.empty() ? 0 : node.pods_of_controller(matcher.controller_uid);
  const auto& reqs = matcher.selector->requirements();
  if (reqs.size() == 1 && !matcher.selector->is_nothing()) {
    using Op = object::labels::Operator;
    const auto& r = reqs.front();
    if (r.op() == Op::equals || r.op() == Op::double_equals || r.op() == Op::in) {
      std::int64_t n = 0;
      for (const auto& v : r.values()) n += node.pods_with_label(matcher.namespace_, r.key(), v);
      return n;
    }
  }
  std::int64_t n = 0;
  for (const auto& p : node.pods()) {
    if (matcher.matches(*p)) ++n;
  }
  return n;
}

struct HardState final : PluginState {
  std::vector<SpreadConstraint> constraints;
  std::vector<std::unordered_map<std::string, std::int64_t>> counts;  // per constraint: domain -> pods
  std::vector<std::int64_t> min_match;

  std::unique_ptr<PluginState> clone() const override { return std::make_unique<HardState>(*this); }

  void recompute_min() {
    min_match.assign(constraints.size(), 0);
    for (std::size_t i = 0; i < constraints.size(); ++i) {
      std::int64_t m = std::numeric_limits<std::int64_t>::max();
      for (const auto& [domain, n] : counts[i]) m = std::min(m, n);
      if (counts[i].empty()) m = 0;
      // Fewer eligible domains than minDomains: the missing domains count as empty.
      if (constraints[i].min_domains && static_cast<std::int64_t>(counts[i].size()) < *constraints[i].min_domains) m = 0;
      min_match[i] = m;
    }
  }
};

struct SoftState final : PluginState {
  std::vector<SpreadConstraint> constraints;
  std::vector<std::unordered_map<std::string, std::int64_t>> counts;
  std::vector<double> weights;
  std::vector<const NodeInfo*> nodes;  // feasible nodes, parallel to the scores
  std::vector<bool> ignored;
  std::unique_ptr<PluginState> clone() const override { return std::make_unique<SoftState>(*this); }
};

class PodTopologySpread final : public PreFilterPlugin, public FilterPlugin, public ScorePlugin {
 public:
  explicit PodTopologySpread(bool system_defaults) : system_defaults_(system_defaults) {}
  std::string_view name() const override { return "PodTopologySpread"; }

  Status pre_filter(CycleState& state, const PodInfo& pod, const ClusterState& cluster) override {
    auto s = std::make_unique<HardState>();
    for (const auto& c : pod.spread_constraints) {
      if (c.do_not_schedule) s->constraints.push_back(c);
    }
    if (s->constraints.empty()) return Status::skipped();
    s->counts.resize(s->constraints.size());
    for (const NodeInfo* node : cluster.nodes()) {
      if (!node_has_all_keys(*node, s->constraints)) continue;
      for (std::size_t i = 0; i < s->constraints.size(); ++i) {
        const auto& c = s->constraints[i];
        if (!node_included(c, pod, *node)) continue;
        s->counts[i][node->labels().at(c.topology_key)] += count_matching(*node, c.matcher);
      }
    }
    s->recompute_min();
    state.write(this, std::move(s));
    return Status::ok();
  }

  void add_pod(CycleState& state, const PodInfo& pod, const PodInfoPtr& other, const NodeInfo& node,
               const ClusterState&) const override {
    update(state, pod, *other, node, +1);
  }
  void remove_pod(CycleState& state, const PodInfo& pod, const PodInfoPtr& other, const NodeInfo& node,
                  const ClusterState&) const override {
    update(state, pod, *other, node, -1);
  }

  Status filter(const CycleState& state, const PodInfo& pod, const NodeInfo& node, const ClusterState&) const override {
    auto* s = state.read_as<HardState>(this);
    if (!s) return Status::ok();
    for (std::size_t i = 0; i < s->constraints.size(); ++i) {
      const auto& c = s->constraints[i];
      auto label = node.labels().find(c.topology_key);
      if (label == node.labels().end()) return Status::unresolvable(kReasonSpreadMissingLabel);
      std::int64_t self = c.matcher.matches(pod) ? 1 : 0;
      auto it = s->counts[i].find(label->second);
      std::int64_t here = it == s->counts[i].end() ? 0 : it->second;
      if (here + self - s->min_match[i] > c.max_skew) return Status::unschedulable(kReasonSpreadConstraints);
    }
    return Status::ok();
  }

  Status pre_score(CycleState& state, const PodInfo& pod, const std::vector<const NodeInfo*>& nodes,
                   const ClusterState& cluster) override {
    auto s = std::make_unique<SoftState>();
    bool require_all_keys = true;
    if (pod.spread_constraints.empty()) {
      if (!system_defaults_ || pod.controller_uid.empty()) return Status::skipped();
      require_all_keys = false;
      PodMatcher same_controller;
      same_controller.controller_uid = pod.controller_uid;
      same_controller.namespace_ = pod.namespace_;
      SpreadConstraint by_host{3, kLabelHostname, false, std::nullopt, true, false, same_controller};
      SpreadConstraint by_zone{5, kLabelZone, false, std::nullopt, true, false, same_controller};
      s->constraints = {by_host, by_zone};
    } else {
      for (const auto& c : pod.spread_constraints) {
        if (!c.do_not_schedule) s->constraints.push_back(c);
      }
      if (s->constraints.empty()) return Status::skipped();
    }
    const std::size_t n = s->constraints.size();
    s->counts.resize(n);
    s->nodes = nodes;
    s->ignored.assign(nodes.size(), false);
    std::vector<std::int64_t> domains(n, 0);
    std::size_t considered = 0;
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      const NodeInfo& node = *nodes[k];
      if (require_all_keys && !node_has_all_keys(node, s->constraints)) {
        s->ignored[k] = true;
        continue;
      }
      ++considered;
      for (std::size_t i = 0; i < n; ++i) {
        const auto& key = s->constraints[i].topology_key;
        if (key == kLabelHostname) continue;
        auto label = node.labels().find(key);
        if (label == node.labels().end()) continue;
        if (s->counts[i].emplace(label->second, 0).second) ++domains[i];
      }
    }
    bool any_shared_domain = false;
    for (std::size_t i = 0; i < n; ++i) {
      bool by_host = s->constraints[i].topology_key == kLabelHostname;
      if (!by_host && !s->counts[i].empty()) any_shared_domain = true;
      s->weights.push_back(std::log(static_cast<double>((by_host ? considered : domains[i]) + 2)));
    }
    if (any_shared_domain) {
      for (const NodeInfo* node : cluster.nodes()) {
        if (require_all_keys && !node_has_all_keys(*node, s->constraints)) continue;
        for (std::size_t i = 0; i < n; ++i) {
          const auto& c = s->constraints[i];
          if (c.topology_key == kLabelHostname || !node_included(c, pod, *node)) continue;
          auto label = node->labels().find(c.topology_key);
          if (label == node->labels().end()) continue;
          auto it = s->counts[i].find(label->second);
          if (it != s->counts[i].end()) it->second += count_matching(*node, c.matcher);
        }
      }
    }
    state.write(this, std::move(s));
    return Status::ok();
  }

  std::int64_t score(const CycleState& state, const PodInfo&, const NodeInfo& node, const ClusterState&) const override {
    auto* s = state.read_as<SoftState>(this);
    double total = 0;
    for (std::size_t i = 0; i < s->constraints.size(); ++i) {
      const auto& c = s->constraints[i];
      auto label = node.labels().find(c.topology_key);
      if (label == node.labels().end()) continue;
      std::int64_t count = 0;
      if (c.topology_key == kLabelHostname) {
        count = count_matching(node, c.matcher);
      } else if (auto it = s->counts[i].find(label->second); it != s->counts[i].end()) {
        count = it->second;
      }
      total += static_cast<double>(count) * s->weights[i] + static_cast<double>(c.max_skew - 1);
    }
    return static_cast<std::int64_t>(std::llround(total));
  }

  void normalize(const CycleState& state, const PodInfo&, std::vector<std::int64_t>& scores) const override {
    auto* s = state.read_as<SoftState>(this);
    std::int64_t min_score = std::numeric_limits<std::int64_t>::max(), max_score = 0;
    for (std::size_t k = 0; k < scores.size(); ++k) {
      if (s->ignored[k]) continue;
      min_score = std::min(min_score, scores[k]);
      max_score = std::max(max_score, scores[k]);
    }
    for (std::size_t k = 0; k < scores.size(); ++k) {
      if (s->ignored[k]) {
        scores[k] = 0;
      } else if (max_score == 0) {
        scores[k] = kMaxNodeScore;
      } else {
        scores[k] = kMaxNodeScore * (max_score + min_score - scores[k]) / max_score;
      }
    }
  }

 private:
  void update(CycleState& state, const PodInfo& pod, const PodInfo& other, const NodeInfo& node, int delta) const {
    auto* s = state.read_as<HardState>(this);
    if (!s || !node_has_all_keys(node, s->constraints)) return;
    for (std::size_t i = 0; i < s->constraints.size(); ++i) {
      const auto& c = s->constraints[i];
      if (!node_included(c, pod, node) || !c.matcher.matches(other)) continue;
      s->counts[i][node.labels().at(c.topology_key)] += delta;
    }
    s->recompute_min();
  }

  bool system_defaults_;
};

}  // namespace

std::shared_ptr<Plugin> make_pod_topology_spread(bool system_defaults) {
  return std::make_shared<PodTopologySpread>(system_defaults);
}

}  // namespace k3s::scheduler::plugins
