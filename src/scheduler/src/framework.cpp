#include "framework.h"

#include <algorithm>
#include <map>

namespace k3s::scheduler {

std::string Status::message() const {
  std::string out;
  for (const auto& r : reasons) {
    if (!out.empty()) out += ", ";
    out += r;
  }
  return out;
}

CycleState CycleState::clone() const {
  CycleState out;
  for (const auto& [owner, state] : entries_) out.entries_.emplace_back(owner, state ? state->clone() : nullptr);
  out.skipped_filters_ = skipped_filters_;
  out.skipped_scores_ = skipped_scores_;
  return out;
}

void CycleState::write(const Plugin* owner, std::unique_ptr<PluginState> state) {
  for (auto& [o, s] : entries_) {
    if (o == owner) {
      s = std::move(state);
      return;
    }
  }
  entries_.emplace_back(owner, std::move(state));
}

PluginState* CycleState::read(const Plugin* owner) const {
  for (const auto& [o, s] : entries_) {
    if (o == owner) return s.get();
  }
  return nullptr;
}

bool CycleState::filter_skipped(const Plugin* plugin) const {
  return std::find(skipped_filters_.begin(), skipped_filters_.end(), plugin) != skipped_filters_.end();
}

bool CycleState::score_skipped(const Plugin* plugin) const {
  return std::find(skipped_scores_.begin(), skipped_scores_.end(), plugin) != skipped_scores_.end();
}

std::string fit_error_message(const Diagnosis& diagnosis) {
  std::string msg = "0/" + std::to_string(diagnosis.num_all_nodes) + " nodes are available:";
  if (diagnosis.pre_filter_status.is_rejection()) {
    msg += " " + diagnosis.pre_filter_status.message() + ".";
  } else {
    std::map<std::string, int> histogram;
    for (const auto& ns : diagnosis.node_statuses) {
      for (const auto& r : ns.status.reasons) histogram[r]++;
    }
    std::vector<std::string> entries;
    for (const auto& [reason, count] : histogram) entries.push_back(std::to_string(count) + " " + reason);
    std::sort(entries.begin(), entries.end());  // plain string order, as kube sorts them
    if (!entries.empty()) {
      msg += " ";
      for (std::size_t i = 0; i < entries.size(); ++i) msg += (i ? ", " : "") + entries[i];
      msg += ".";
    }
  }
  if (!diagnosis.post_filter_message.empty()) msg += " " + diagnosis.post_filter_message + ".";
  return msg;
}

void Framework::add(std::shared_ptr<Plugin> plugin, std::int64_t score_weight) {
  if (auto* p = dynamic_cast<PreFilterPlugin*>(plugin.get())) pre_filters_.push_back(p);
  if (auto* p = dynamic_cast<FilterPlugin*>(plugin.get())) filters_.push_back(p);
  if (auto* p = dynamic_cast<ScorePlugin*>(plugin.get())) {
    if (score_weight > 0) scorers_.emplace_back(p, score_weight);
  }
  if (auto* p = dynamic_cast<PostFilterPlugin*>(plugin.get())) post_filters_.push_back(p);
  plugins_.push_back(std::move(plugin));
}

std::vector<std::string> Framework::plugin_names() const {
  std::vector<std::string> out;
  for (const auto& p : plugins_) out.emplace_back(p->name());
  return out;
}

Status Framework::run_pre_filter(CycleState& state, const PodInfo& pod, const ClusterState& cluster) const {
  for (auto* p : pre_filters_) {
    Status s = p->pre_filter(state, pod, cluster);
    if (s.is_skip()) {
      state.mark_filter_skipped(p);
      continue;
    }
    if (!s.is_success()) {
      s.plugin = std::string(p->name());
      return s;
    }
  }
  return Status::ok();
}

void Framework::run_add_pod(CycleState& state, const PodInfo& pod, const PodInfoPtr& other, const NodeInfo& node,
                            const ClusterState& cluster) const {
  for (auto* p : pre_filters_) {
    if (!state.filter_skipped(p)) p->add_pod(state, pod, other, node, cluster);
  }
}

void Framework::run_remove_pod(CycleState& state, const PodInfo& pod, const PodInfoPtr& other, const NodeInfo& node,
                               const ClusterState& cluster) const {
  for (auto* p : pre_filters_) {
    if (!state.filter_skipped(p)) p->remove_pod(state, pod, other, node, cluster);
  }
}

Status Framework::run_filters(const CycleState& state, const PodInfo& pod, const NodeInfo& node,
                              const ClusterState& cluster) const {
  for (auto* f : filters_) {
    if (state.filter_skipped(f)) continue;
    Status s = f->filter(state, pod, node, cluster);
    if (!s.is_success()) {
      s.plugin = std::string(f->name());
      return s;
    }
  }
  return Status::ok();
}

Status Framework::run_filters_with_nominated(const CycleState& state, const PodInfo& pod, const NodeInfo& node,
                                             const ClusterState& cluster) const {
  const auto& nominated = cluster.nominated_on(node.name());
  bool any = false;
  for (const auto& n : nominated) {
    if (n->uid != pod.uid && n->priority >= pod.priority) {
      any = true;
      break;
    }
  }
  // Like kube: the pod must fit both with the nominated pods and without them.
  if (any) {
    NodeInfo with_nominated = node;
    CycleState state_copy = state.clone();
    for (const auto& n : nominated) {
      if (n->uid == pod.uid || n->priority < pod.priority) continue;
      with_nominated.add_pod(n);
      run_add_pod(state_copy, pod, n, with_nominated, cluster);
    }
    Status s = run_filters(state_copy, pod, with_nominated, cluster);
    if (!s.is_success()) return s;
  }
  return run_filters(state, pod, node, cluster);
}

std::vector<std::int64_t> Framework::run_scores(CycleState& state, const PodInfo& pod,
                                                const std::vector<const NodeInfo*>& nodes,
                                                const ClusterState& cluster) const {
  std::vector<std::int64_t> totals(nodes.size(), 0);
  std::vector<std::int64_t> scores(nodes.size());
  for (const auto& [plugin, weight] : scorers_) {
    Status s = plugin->pre_score(state, pod, nodes, cluster);
    if (!s.is_success()) continue;  // skipped (or nothing to contribute)
    for (std::size_t i = 0; i < nodes.size(); ++i) scores[i] = plugin->score(state, pod, *nodes[i], cluster);
    plugin->normalize(state, pod, scores);
    for (std::size_t i = 0; i < nodes.size(); ++i) totals[i] += scores[i] * weight;
  }
  return totals;
}

PostFilterResult Framework::run_post_filter(CycleState& state, const PodInfo& pod, const Diagnosis& diagnosis,
                                            const ClusterState& cluster) const {
  PostFilterResult last;
  last.status = Status::unschedulable("");
  for (auto* p : post_filters_) {
    PostFilterResult r = p->post_filter(state, pod, diagnosis, cluster, *this);
    if (r.status.is_success()) return r;
    last = std::move(r);
  }
  return last;
}

void default_normalize_score(std::int64_t max_priority, bool reverse, std::vector<std::int64_t>& scores) {
  std::int64_t max_count = 0;
  for (auto s : scores) max_count = std::max(max_count, s);
  if (max_count == 0) {
    if (reverse) std::fill(scores.begin(), scores.end(), max_priority);
    return;
  }
  for (auto& s : scores) {
    s = max_priority * s / max_count;
    if (reverse) s = max_priority - s;
  }
}

}  // namespace k3s::scheduler
