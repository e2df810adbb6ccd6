#include "apps/node_eligibility.h"

#include <algorithm>
#include <charconv>

#include "object/meta.h"

namespace k3s::controllers::apps {

namespace {

Json toleration(const char* key, const char* effect) {
  return Json{{"key", key}, {"operator", "Exists"}, {"effect", effect}};
}

bool has_toleration(const Json& list, const Json& wanted) {
  return std::any_of(list.begin(), list.end(), [&](const Json& t) {
    return t.value("key", "") == wanted["key"] && t.value("effect", "") == wanted["effect"] &&
           t.value("operator", "Equal") == "Exists";
  });
}

std::optional<std::int64_t> to_int(const std::string& text) {
  std::int64_t out = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return out;
}

// One NodeSelectorRequirement against a value the node has (or not).
bool requirement_matches(const Json& requirement, const std::optional<std::string>& value) {
  const std::string op = requirement.value("operator", "");
  const Json values = requirement.value("values", Json::array());
  auto listed = [&] {
    return value && std::any_of(values.begin(), values.end(), [&](const Json& v) { return v == *value; });
  };
  if (op == "In") return listed();
  if (op == "NotIn") return !listed();
  if (op == "Exists") return value.has_value();
  if (op == "DoesNotExist") return !value.has_value();
  if (op == "Gt" || op == "Lt") {
    if (!value || values.size() != 1 || !values[0].is_string()) return false;
    auto have = to_int(*value), bound = to_int(values[0].get<std::string>());
    if (!have || !bound) return false;
    return op == "Gt" ? *have > *bound : *have < *bound;
  }
  return false;
}

bool term_matches(const Json& term, const Json& node) {
  const auto labels = object::labels_of(node);
  const Json expressions = term.value("matchExpressions", Json::array());
  const Json fields = term.value("matchFields", Json::array());
  if (expressions.empty() && fields.empty()) return false;  // an empty term matches nothing
  for (const auto& r : expressions) {
    auto it = labels.find(r.value("key", ""));
    if (!requirement_matches(r, it == labels.end() ? std::nullopt : std::optional<std::string>(it->second)))
      return false;
  }
  for (const auto& r : fields) {
    if (r.value("key", "") != "metadata.name") return false;
    if (!requirement_matches(r, object::name_of(node))) return false;
  }
  return true;
}

}  // namespace

void add_daemon_tolerations(Json& pod_spec) {
  if (!pod_spec.contains("tolerations") || !pod_spec["tolerations"].is_array())
    pod_spec["tolerations"] = Json::array();
  Json& list = pod_spec["tolerations"];
  std::vector<Json> defaults = {
      toleration("node.kubernetes.io/not-ready", "NoExecute"),
      toleration("node.kubernetes.io/unreachable", "NoExecute"),
      toleration("node.kubernetes.io/disk-pressure", "NoSchedule"),
      toleration("node.kubernetes.io/memory-pressure", "NoSchedule"),
      toleration("node.kubernetes.io/pid-pressure", "NoSchedule"),
      toleration("node.kubernetes.io/unschedulable", "NoSchedule"),
  };
  if (pod_spec.value("hostNetwork", false))
    defaults.push_back(toleration("node.kubernetes.io/network-unavailable", "NoSchedule"));
  for (auto& t : defaults)
    if (!has_toleration(list, t)) list.push_back(std::move(t));
}

bool tolerates(const Json& toleration, const Json& taint) {
  const std::string effect = toleration.value("effect", "");
  if (!effect.empty() && effect != taint.value("effect", "")) return false;
  const std::string key = toleration.value("key", "");
  const std::string op = toleration.value("operator", "Equal");
  if (key.empty()) return op == "Exists";  // an empty key with Exists tolerates everything
  if (key != taint.value("key", "")) return false;
  if (op == "Exists") return true;
  return op == "Equal" && toleration.value("value", "") == taint.value("value", "");
}

bool node_should_run(const Json& node, const Json& pod_spec) {
  const std::string node_name = pod_spec.value("nodeName", "");
  if (!node_name.empty() && node_name != object::name_of(node)) return false;

  const auto labels = object::labels_of(node);
  const Json node_selector = pod_spec.value("nodeSelector", Json::object());
  for (const auto& [key, value] : node_selector.items()) {
    auto it = labels.find(key);
    if (it == labels.end() || !value.is_string() || it->second != value.get<std::string>()) return false;
  }

  Json::json_pointer required("/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms");
  if (pod_spec.contains(required)) {
    const Json& terms = pod_spec.at(required);
    if (terms.is_array() &&
        !std::any_of(terms.begin(), terms.end(), [&](const Json& term) { return term_matches(term, node); }))
      return false;
  }

  const Json tolerations = pod_spec.value("tolerations", Json::array());
  const Json taints = node.value("spec", Json::object()).value("taints", Json::array());
  for (const auto& taint : taints) {
    const std::string effect = taint.value("effect", "");
    if (effect != "NoSchedule" && effect != "NoExecute") continue;
    if (!std::any_of(tolerations.begin(), tolerations.end(), [&](const Json& t) { return tolerates(t, taint); }))
      return false;
  }
  return true;
}

}  // namespace k3s::controllers::apps
