#include "pod_info.h"

#include <algorithm>

#include "object/quantity.h"

namespace k3s::scheduler {

namespace labels = object::labels;

// ---- tolerations ---------------------------------------------------------------------

bool Toleration::tolerates(const Taint& taint) const {
  if (!effect.empty() && effect != taint.effect) return false;
  if (op == "Exists") return key.empty() || key == taint.key;
  // Equal (the default): an empty key only makes sense with Exists.
  return key == taint.key && value == taint.value;
}

bool tolerates_taint(const std::vector<Toleration>& tolerations, const Taint& taint) {
  for (const auto& t : tolerations) {
    if (t.tolerates(taint)) return true;
  }
  return false;
}

// ---- node selection ----------------------------------------------------------------

bool NodeSelectorTerm::matches(const StringMap& node_labels, const std::string& node_name) const {
  if (!valid || (expressions.empty() && fields.empty())) return false;
  for (const auto& r : expressions) {
    if (!r.matches(node_labels)) return false;
  }
  if (!fields.empty()) {
    const labels::Set field_set{{"metadata.name", node_name}};
    for (const auto& r : fields) {
      if (!r.matches(field_set)) return false;
    }
  }
  return true;
}

bool NodeSelector::matches(const StringMap& node_labels, const std::string& node_name) const {
  for (const auto& t : terms) {
    if (t.matches(node_labels, node_name)) return true;
  }
  return false;
}

bool PodInfo::matches_node_selection(const StringMap& node_labels, const std::string& node_name) const {
  for (const auto& [k, v] : node_selector) {
    auto it = node_labels.find(k);
    if (it == node_labels.end() || it->second != v) return false;
  }
  return !required_node_affinity || required_node_affinity->matches(node_labels, node_name);
}

namespace {

std::optional<labels::Operator> node_selector_operator(const std::string& op) {
  if (op == "In") return labels::Operator::in;
  if (op == "NotIn") return labels::Operator::not_in;
  if (op == "Exists") return labels::Operator::exists;
  if (op == "DoesNotExist") return labels::Operator::does_not_exist;
  if (op == "Gt") return labels::Operator::greater_than;
  if (op == "Lt") return labels::Operator::less_than;
  return std::nullopt;
}

std::vector<std::string> string_list(const Json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& v : j) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string string_field(const Json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

const Json& field(const Json& obj, const char* key) {
  static const Json null_json;
  if (!obj.is_object()) return null_json;
  auto it = obj.find(key);
  return it == obj.end() ? null_json : *it;
}

}  // namespace

NodeSelectorTerm parse_node_selector_term(const Json& term) {
  NodeSelectorTerm out;
  auto parse_requirements = [&](const Json& list, std::vector<labels::Requirement>& into, bool fields) {
    if (!list.is_array()) return;
    for (const Json& r : list) {
      std::string key = string_field(r, "key");
      auto op = node_selector_operator(string_field(r, "operator"));
      if (!op || (fields && (key != "metadata.name" || (*op != labels::Operator::in && *op != labels::Operator::not_in)))) {
        out.valid = false;
        continue;
      }
      try {
        if (fields) {
          // Field values are node names, not label values: no label-value validation.
          auto values = string_list(field(r, "values"));
          if (values.size() != 1) {
            out.valid = false;
            continue;
          }
          into.push_back(labels::Requirement::unchecked(key, *op, values));
        } else {
          into.emplace_back(key, *op, string_list(field(r, "values")));
        }
      } catch (const labels::SelectorError&) {
        out.valid = false;
      }
    }
  };
  parse_requirements(field(term, "matchExpressions"), out.expressions, false);
  parse_requirements(field(term, "matchFields"), out.fields, true);
  return out;
}

// ---- pod affinity --------------------------------------------------------------------

bool AffinityTerm::matches_namespace(const std::string& ns, const NamespaceLabelsLookup& ns_labels) const {
  if (namespaces.count(ns)) return true;
  if (!namespace_selector) return false;
  if (namespace_selector->empty()) return true;
  const StringMap* l = ns_labels ? ns_labels(ns) : nullptr;
  return l && namespace_selector->matches(*l);
}

bool AffinityTerm::matches(const PodInfo& pod, const NamespaceLabelsLookup& ns_labels) const {
  return matches_namespace(pod.namespace_, ns_labels) && selector.matches(pod.labels);
}

bool PodMatcher::matches(const PodInfo& pod) const {
  if (pod.namespace_ != namespace_ || pod.terminating) return false;
  if (selector) return selector->matches(pod.labels);
  return !controller_uid.empty() && pod.controller_uid == controller_uid;
}

bool HostPort::conflicts_with(const HostPort& other) const {
  if (port != other.port || protocol != other.protocol) return false;
  bool any_mine = ip.empty() || ip == "0.0.0.0";
  bool any_theirs = other.ip.empty() || other.ip == "0.0.0.0";
  return any_mine || any_theirs || ip == other.ip;
}

// ---- images ----------------------------------------------------------------------------

// ---- parsing -------------------------------------------------------------------------

namespace {

labels::Selector affinity_selector(const Json& term, const StringMap& pod_labels) {
  labels::Selector sel = labels::Selector::from_label_selector(field(term, "labelSelector"));
  if (sel.is_nothing()) return sel;
  for (const auto& key : string_list(field(term, "matchLabelKeys"))) {
    if (auto it = pod_labels.find(key); it != pod_labels.end()) {
      sel = sel.add(labels::Requirement(key, labels::Operator::in, {it->second}));
    }
  }
  for (const auto& key : string_list(field(term, "mismatchLabelKeys"))) {
    if (auto it = pod_labels.find(key); it != pod_labels.end()) {
      sel = sel.add(labels::Requirement(key, labels::Operator::not_in, {it->second}));
    }
  }
  return sel;
}

AffinityTerm parse_affinity_term(const Json& term, const PodInfo& owner) {
  AffinityTerm out;
  out.selector = affinity_selector(term, owner.labels);
  for (auto& ns : string_list(field(term, "namespaces"))) out.namespaces.insert(ns);
  const Json& ns_sel = field(term, "namespaceSelector");
  if (!ns_sel.is_null()) out.namespace_selector = labels::Selector::from_label_selector(ns_sel);
  if (out.namespaces.empty() && !out.namespace_selector) out.namespaces.insert(owner.namespace_);
  out.topology_key = string_field(term, "topologyKey");
  if (out.topology_key.empty()) throw labels::SelectorError("pod affinity term has an empty topologyKey");
  return out;
}

void parse_affinity_list(const Json& list, const PodInfo& owner, std::vector<AffinityTerm>& into) {
  if (!list.is_array()) return;
  for (const Json& t : list) into.push_back(parse_affinity_term(t, owner));
}

void parse_weighted_list(const Json& list, const PodInfo& owner, std::vector<WeightedAffinityTerm>& into) {
  if (!list.is_array()) return;
  for (const Json& t : list) {
    WeightedAffinityTerm w;
    w.weight = field(t, "weight").is_number_integer() ? field(t, "weight").get<std::int32_t>() : 0;
    if (w.weight == 0) continue;
    w.term = parse_affinity_term(field(t, "podAffinityTerm"), owner);
    into.push_back(std::move(w));
  }
}

void parse_ports(const Json& containers, bool only_sidecars, std::vector<HostPort>& into) {
  if (!containers.is_array()) return;
  for (const Json& c : containers) {
    if (only_sidecars && string_field(c, "restartPolicy") != "Always") continue;
    const Json& ports = field(c, "ports");
    if (!ports.is_array()) continue;
    for (const Json& p : ports) {
      const Json& hp = field(p, "hostPort");
      if (!hp.is_number_integer() || hp.get<std::int64_t>() <= 0) continue;
      HostPort port;
      port.port = hp.get<std::int32_t>();
      port.ip = string_field(p, "hostIP");
      port.protocol = string_field(p, "protocol");
      if (port.protocol.empty()) port.protocol = "TCP";
      into.push_back(std::move(port));
    }
  }
}

void parse_images(const Json& containers, std::vector<std::string>& into) {
  if (!containers.is_array()) return;
  for (const Json& c : containers) {
    std::string image = string_field(c, "image");
    if (!image.empty()) into.push_back(normalize_image_name(image));
  }
}

void parse_spread_constraints(const Json& list, PodInfo& pod) {
  if (!list.is_array()) return;
  for (const Json& c : list) {
    SpreadConstraint sc;
    const Json& skew = field(c, "maxSkew");
    sc.max_skew = skew.is_number_integer() ? skew.get<std::int32_t>() : 1;
    if (sc.max_skew < 1) throw labels::SelectorError("topologySpreadConstraints maxSkew must be greater than zero");
    sc.topology_key = string_field(c, "topologyKey");
    if (sc.topology_key.empty()) throw labels::SelectorError("topologySpreadConstraints topologyKey must be set");
    sc.do_not_schedule = string_field(c, "whenUnsatisfiable") != "ScheduleAnyway";
    if (const Json& md = field(c, "minDomains"); md.is_number_integer()) sc.min_domains = md.get<std::int32_t>();
    sc.honor_node_affinity = string_field(c, "nodeAffinityPolicy") != "Ignore";
    sc.honor_node_taints = string_field(c, "nodeTaintsPolicy") == "Honor";
    labels::Selector sel = labels::Selector::from_label_selector(field(c, "labelSelector"));
    if (!sel.is_nothing()) {
      for (const auto& key : string_list(field(c, "matchLabelKeys"))) {
        if (auto it = pod.labels.find(key); it != pod.labels.end()) {
          sel = sel.add(labels::Requirement(key, labels::Operator::in, {it->second}));
        }
      }
    }
    sc.matcher.selector = std::move(sel);
    sc.matcher.namespace_ = pod.namespace_;
    pod.spread_constraints.push_back(std::move(sc));
  }
}

}  // namespace

PodInfoPtr parse_pod(const Json& pod) { return parse_pod(std::make_shared<const Json>(pod)); }

PodInfoPtr parse_pod(std::shared_ptr<const Json> object) {
  auto info = std::make_shared<PodInfo>();
  const Json& pod = *object;
  info->object = object;
  info->namespace_ = object::namespace_of(pod);
  info->name = object::name_of(pod);
  info->uid = object::uid_of(pod);
  info->key = info->namespace_ + "/" + info->name;
  info->labels = object::labels_of(pod);
  info->terminating = object::is_being_deleted(pod);
  info->created = object::creation_timestamp_of(pod).value_or(object::Timestamp{});
  if (auto owner = object::controller_of(pod)) info->controller_uid = owner->uid;

  const Json& spec = field(pod, "spec");
  const Json& status = field(pod, "status");
  info->node_name = string_field(spec, "nodeName");
  info->scheduler_name = string_field(spec, "schedulerName");
  info->nominated_node_name = string_field(status, "nominatedNodeName");
  if (auto st = string_field(status, "startTime"); !st.empty()) info->started = object::parse_time(st);
  if (const Json& p = field(spec, "priority"); p.is_number_integer()) info->priority = p.get<std::int32_t>();
  info->preemption_never = string_field(spec, "preemptionPolicy") == "Never";

  try {
    info->requests = compute_pod_requests(spec);
  } catch (const object::QuantityError& e) {
    info->invalid_reason = std::string("invalid resource quantity: ") + e.what();
  }

  parse_ports(field(spec, "containers"), false, info->host_ports);
  parse_ports(field(spec, "initContainers"), true, info->host_ports);
  parse_images(field(spec, "containers"), info->images);
  parse_images(field(spec, "initContainers"), info->images);

  if (const Json& tols = field(spec, "tolerations"); tols.is_array()) {
    for (const Json& t : tols) {
      info->tolerations.push_back(
          {string_field(t, "key"), string_field(t, "operator"), string_field(t, "value"), string_field(t, "effect")});
    }
  }
  if (const Json& ns = field(spec, "nodeSelector"); ns.is_object()) {
    for (const auto& [k, v] : ns.items()) {
      if (v.is_string()) info->node_selector[k] = v.get<std::string>();
    }
  }
  if (const Json& vols = field(spec, "volumes"); vols.is_array()) {
    for (const Json& v : vols) {
      if (auto claim = string_field(field(v, "persistentVolumeClaim"), "claimName"); !claim.empty()) {
        info->claim_names.push_back(claim);
      } else if (field(v, "ephemeral").is_object()) {
        info->claim_names.push_back(info->name + "-" + string_field(v, "name"));
      }
    }
  }

  try {
    const Json& affinity = field(spec, "affinity");
    const Json& node_affinity = field(affinity, "nodeAffinity");
    const Json& required = field(field(node_affinity, "requiredDuringSchedulingIgnoredDuringExecution"), "nodeSelectorTerms");
    if (field(node_affinity, "requiredDuringSchedulingIgnoredDuringExecution").is_object()) {
      NodeSelector sel;
      if (required.is_array()) {
        for (const Json& t : required) sel.terms.push_back(parse_node_selector_term(t));
      }
      info->required_node_affinity = std::move(sel);
    }
    if (const Json& pref = field(node_affinity, "preferredDuringSchedulingIgnoredDuringExecution"); pref.is_array()) {
      for (const Json& p : pref) {
        PreferredNodeTerm t;
        t.weight = field(p, "weight").is_number_integer() ? field(p, "weight").get<std::int32_t>() : 0;
        if (t.weight == 0) continue;
        t.term = parse_node_selector_term(field(p, "preference"));
        info->preferred_node_affinity.push_back(std::move(t));
      }
    }
    const Json& pa = field(affinity, "podAffinity");
    const Json& paa = field(affinity, "podAntiAffinity");
    parse_affinity_list(field(pa, "requiredDuringSchedulingIgnoredDuringExecution"), *info, info->required_affinity);
    parse_affinity_list(field(paa, "requiredDuringSchedulingIgnoredDuringExecution"), *info, info->required_anti_affinity);
    parse_weighted_list(field(pa, "preferredDuringSchedulingIgnoredDuringExecution"), *info, info->preferred_affinity);
    parse_weighted_list(field(paa, "preferredDuringSchedulingIgnoredDuringExecution"), *info,
                        info->preferred_anti_affinity);
    parse_spread_constraints(field(spec, "topologySpreadConstraints"), *info);
  } catch (const labels::SelectorError& e) {
    if (info->invalid_reason.empty()) info->invalid_reason = std::string("invalid pod scheduling constraints: ") + e.what();
  }
  return info;
}

}  // namespace k3s::scheduler
