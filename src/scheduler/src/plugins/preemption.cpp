// DefaultPreemption: when a pod fits nowhere, find the node where evicting the fewest,
// least important lower-priority pods makes it fit, preferring victims whose
// PodDisruptionBudgets allow the disruption, and nominate the pod there.
#include <algorithm>
#include <limits>
#include <map>

#include "plugins/plugins.h"

namespace k3s::scheduler::plugins {

namespace {

struct Candidate {
  const NodeInfo* node = nullptr;
  std::vector<PodInfoPtr> victims;  // most important first
  int pdb_violations = 0;
};

object::Timestamp start_time(const PodInfo& p) { return p.started.value_or(p.created); }

// More important first: higher priority, then the one running longer.
bool more_important(const PodInfoPtr& a, const PodInfoPtr& b) {
  if (a->priority != b->priority) return a->priority > b->priority;
  return start_time(*a) < start_time(*b);
}

class DefaultPreemption final : public PostFilterPlugin {
 public:
  std::string_view name() const override { return "DefaultPreemption"; }

  PostFilterResult post_filter(CycleState& state, const PodInfo& pod, const Diagnosis& diagnosis,
                               const ClusterState& cluster, const Framework& framework) override {
    PostFilterResult result;
    if (pod.preemption_never) {
      result.status = Status::unschedulable("preemption: not eligible due to preemptionPolicy=Never.");
      return result;
    }
    if (!pod.nominated_node_name.empty()) {
      if (const NodeInfo* nominated = cluster.find_node(pod.nominated_node_name)) {
        for (const auto& p : nominated->pods()) {
          if (p->terminating && p->priority < pod.priority) {
            result.status = Status::unschedulable("preemption: not eligible due to a terminating pod on the nominated node.");
            return result;
          }
        }
      }
    }

    // Nodes where removing pods might help: those rejected for a resolvable reason.
    std::map<const NodeInfo*, const Status*> rejected;
    for (const auto& ns : diagnosis.node_statuses) rejected[ns.node] = &ns.status;
    Diagnosis preemption;
    preemption.num_all_nodes = static_cast<int>(cluster.nodes().size());
    std::vector<Candidate> candidates;
    for (const NodeInfo* node : cluster.nodes()) {
      bool might_help;
      if (diagnosis.pre_filter_status.is_rejection()) {
        might_help = diagnosis.pre_filter_status.code == Code::unschedulable;
      } else {
        auto it = rejected.find(node);
        might_help = it != rejected.end() && it->second->code == Code::unschedulable;
      }
      if (!might_help) {
        preemption.node_statuses.push_back({node, Status::unresolvable(kReasonPreemptionNotHelpful)});
        continue;
      }
      Candidate c;
      Status s = select_victims(state, pod, *node, cluster, framework, c);
      if (s.is_success()) {
        candidates.push_back(std::move(c));
      } else {
        preemption.node_statuses.push_back({node, std::move(s)});
      }
    }
    if (candidates.empty()) {
      result.status = Status::unschedulable("preemption: " + fit_error_message(preemption));
      // fit_error_message ends with '.', and the caller appends one more as kube does not;
      // strip ours so the final text reads "...for incoming pod."
      auto& msg = result.status.reasons.front();
      if (!msg.empty() && msg.back() == '.') msg.pop_back();
      result.clear_nomination = !pod.nominated_node_name.empty();
      return result;
    }
    const Candidate& best = pick(candidates);
    result.status = Status::ok();
    result.nominated_node = best.node->name();
    result.victims = best.victims;
    return result;
  }

 private:
  Status select_victims(const CycleState& state, const PodInfo& pod, const NodeInfo& node, const ClusterState& cluster,
                        const Framework& framework, Candidate& out) const {
    std::vector<PodInfoPtr> lower;
    for (const auto& p : node.pods()) {
      if (p->priority < pod.priority) lower.push_back(p);
    }
    if (lower.empty()) return Status::unresolvable(kReasonNoVictims);

    NodeInfo simulated = node;
    CycleState sim_state = state.clone();
    for (const auto& v : lower) {
      simulated.remove_pod(v->uid);
      framework.run_remove_pod(sim_state, pod, v, simulated, cluster);
    }
    Status fits = framework.run_filters_with_nominated(sim_state, pod, simulated, cluster);
    if (!fits.is_success()) return fits;

    std::sort(lower.begin(), lower.end(), more_important);
    std::vector<PodInfoPtr> violating, non_violating;
    split_by_budget(lower, cluster, violating, non_violating);

    // Put back as many as still let the pod fit, most important first; budget-protected
    // pods get their chance before the others.
    auto reprieve = [&](const PodInfoPtr& p) {
      simulated.add_pod(p);
      framework.run_add_pod(sim_state, pod, p, simulated, cluster);
      if (framework.run_filters_with_nominated(sim_state, pod, simulated, cluster).is_success()) return true;
      simulated.remove_pod(p->uid);
      framework.run_remove_pod(sim_state, pod, p, simulated, cluster);
      out.victims.push_back(p);
      return false;
    };
    for (const auto& p : violating) {
      if (!reprieve(p)) ++out.pdb_violations;
    }
    for (const auto& p : non_violating) reprieve(p);
    std::sort(out.victims.begin(), out.victims.end(), more_important);
    out.node = &node;
    return Status::ok();
  }

  static void split_by_budget(const std::vector<PodInfoPtr>& pods, const ClusterState& cluster,
                              std::vector<PodInfoPtr>& violating, std::vector<PodInfoPtr>& non_violating) {
    const auto& budgets = cluster.disruption_budgets();
    std::vector<std::int64_t> allowed;
    for (const auto& b : budgets) allowed.push_back(b.disruptions_allowed);
    for (const auto& p : pods) {
      bool violates = false;
      for (std::size_t i = 0; i < budgets.size(); ++i) {
        const auto& b = budgets[i];
        if (b.namespace_ != p->namespace_ || b.selector.empty() || !b.selector.matches(p->labels)) continue;
        if (--allowed[i] < 0) violates = true;
      }
      (violates ? violating : non_violating).push_back(p);
    }
  }

  static const Candidate& pick(const std::vector<Candidate>& candidates) {
    auto highest = [](const Candidate& c) {
      return c.victims.empty() ? std::numeric_limits<std::int32_t>::min() : c.victims.front()->priority;
    };
    auto priority_sum = [](const Candidate& c) {
      std::int64_t sum = 0;
      // Offset so that negative priorities still add up to a larger cost with more pods.
      for (const auto& v : c.victims) sum += static_cast<std::int64_t>(v->priority) + std::numeric_limits<std::int32_t>::max() + 1;
      return sum;
    };
    auto earliest_top_start = [&](const Candidate& c) {
      object::Timestamp earliest = object::Timestamp::max();
      for (const auto& v : c.victims) {
        if (v->priority == highest(c)) earliest = std::min(earliest, start_time(*v));
      }
      return earliest;
    };
    const Candidate* best = &candidates.front();
    for (const auto& c : candidates) {
      if (&c == best) continue;
      auto key = [&](const Candidate& x) {
        return std::make_tuple(x.pdb_violations, highest(x), priority_sum(x), x.victims.size());
      };
      auto kc = key(c), kb = key(*best);
      if (kc < kb) {
        best = &c;
      } else if (kc == kb && earliest_top_start(c) > earliest_top_start(*best)) {
        best = &c;
      }
    }
    return *best;
  }
};

}  // namespace

std::shared_ptr<Plugin> make_default_preemption() { return std::make_shared<DefaultPreemption>(); }

}  // namespace k3s::scheduler::plugins
