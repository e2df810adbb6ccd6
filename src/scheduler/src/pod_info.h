// A pod as the scheduler needs it, parsed once from its JSON: requests, ports,
// tolerations, node and pod affinity, spread constraints, claims, images. Every plugin
// works on this form so the hot path never touches JSON.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "object/image_reference.h"
#include "object/labels.h"
#include "object/meta.h"
#include "resources.h"

namespace k3s::scheduler {

using Json = nlohmann::json;
using StringMap = std::map<std::string, std::string>;

inline constexpr const char* kTaintEffectNoSchedule = "NoSchedule";
inline constexpr const char* kTaintEffectPreferNoSchedule = "PreferNoSchedule";
inline constexpr const char* kTaintEffectNoExecute = "NoExecute";
inline constexpr const char* kTaintUnschedulable = "node.kubernetes.io/unschedulable";
inline constexpr const char* kTaintNotReady = "node.kubernetes.io/not-ready";
inline constexpr const char* kTaintUnreachable = "node.kubernetes.io/unreachable";
inline constexpr const char* kLabelHostname = "kubernetes.io/hostname";
inline constexpr const char* kLabelZone = "topology.kubernetes.io/zone";

struct Taint {
  std::string key;
  std::string value;
  std::string effect;
  bool operator==(const Taint&) const = default;
};

struct Toleration {
  std::string key;
  std::string op;  // "Exists" or "Equal" ("" reads as Equal)
  std::string value;
  std::string effect;  // "" tolerates every effect

  bool tolerates(const Taint& taint) const;
};

bool tolerates_taint(const std::vector<Toleration>& tolerations, const Taint& taint);

// One nodeSelectorTerm: every expression on labels and every field requirement
// (only metadata.name exists) must hold. A term without requirements matches nothing.
struct NodeSelectorTerm {
  std::vector<object::labels::Requirement> expressions;
  std::vector<object::labels::Requirement> fields;  // against {"metadata.name": node}
  bool valid = true;  // a malformed requirement makes the term match nothing, as kube does

  bool matches(const StringMap& node_labels, const std::string& node_name) const;
};

// nodeSelectorTerms are ORed.
struct NodeSelector {
  std::vector<NodeSelectorTerm> terms;
  bool matches(const StringMap& node_labels, const std::string& node_name) const;
};

struct PreferredNodeTerm {
  std::int32_t weight = 0;
  NodeSelectorTerm term;
};

// Namespace labels looked up for namespaceSelector; nullptr when the namespace is unknown.
using NamespaceLabelsLookup = std::function<const StringMap*(const std::string& ns)>;

struct PodInfo;

// A pod (anti-)affinity term resolved against the namespace of the pod that declares it.
struct AffinityTerm {
  object::labels::Selector selector;
  std::set<std::string> namespaces;
  std::optional<object::labels::Selector> namespace_selector;  // set: also namespaces it selects
  std::string topology_key;

  bool matches_namespace(const std::string& ns, const NamespaceLabelsLookup& ns_labels) const;
  bool matches(const PodInfo& pod, const NamespaceLabelsLookup& ns_labels) const;
};

struct WeightedAffinityTerm {
  std::int32_t weight = 0;
  AffinityTerm term;
};

// Which pods a spread constraint counts: a label selector, or for the scheduler's default
// spreading the pods owned by the same controller.
struct PodMatcher {
  std::optional<object::labels::Selector> selector;
  std::string controller_uid;
  std::string namespace_;

  bool matches(const PodInfo& pod) const;
};

struct SpreadConstraint {
  std::int32_t max_skew = 1;
  std::string topology_key;
  bool do_not_schedule = true;  // false: ScheduleAnyway
  std::optional<std::int32_t> min_domains;
  bool honor_node_affinity = true;  // nodeAffinityPolicy, default Honor
  bool honor_node_taints = false;   // nodeTaintsPolicy, default Ignore
  PodMatcher matcher;
};

struct HostPort {
  std::string ip;  // "" and "0.0.0.0" mean every address
  std::string protocol;
  std::int32_t port = 0;
  bool conflicts_with(const HostPort& other) const;
};

struct PodInfo {
  std::shared_ptr<const Json> object;
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string key;  // "namespace/name"
  std::string node_name;
  std::string nominated_node_name;
  std::string scheduler_name;
  StringMap labels;
  std::int32_t priority = 0;
  bool preemption_never = false;
  bool terminating = false;
  object::Timestamp created{};
  std::optional<object::Timestamp> started;  // status.startTime
  std::string controller_uid;

  PodRequests requests;
  std::vector<HostPort> host_ports;
  std::vector<Toleration> tolerations;

  StringMap node_selector;
  std::optional<NodeSelector> required_node_affinity;
  std::vector<PreferredNodeTerm> preferred_node_affinity;

  std::vector<AffinityTerm> required_affinity;
  std::vector<AffinityTerm> required_anti_affinity;
  std::vector<WeightedAffinityTerm> preferred_affinity;
  std::vector<WeightedAffinityTerm> preferred_anti_affinity;

  std::vector<SpreadConstraint> spread_constraints;
  std::vector<std::string> claim_names;
  std::vector<std::string> images;  // normalized references

  // Non-empty when the pod could not be understood (bad quantity, bad selector, ...):
  // the scheduler reports it instead of guessing.
  std::string invalid_reason;

  bool has_affinity() const {
    return !required_affinity.empty() || !required_anti_affinity.empty() || !preferred_affinity.empty() ||
           !preferred_anti_affinity.empty();
  }
  bool matches_node_selection(const StringMap& node_labels, const std::string& node_name) const;
};

using PodInfoPtr = std::shared_ptr<const PodInfo>;

// Never throws: malformed content ends up in invalid_reason.
PodInfoPtr parse_pod(const Json& pod);
PodInfoPtr parse_pod(std::shared_ptr<const Json> pod);

using object::normalize_image_name;

// Parses a nodeSelectorTerm JSON ({matchExpressions, matchFields}).
NodeSelectorTerm parse_node_selector_term(const Json& term);

}  // namespace k3s::scheduler
