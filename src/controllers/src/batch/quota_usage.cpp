#include "batch/quota_usage.h"

#include "object/meta.h"

namespace k3s::controllers::batch {

namespace {

using object::Quantity;

void add_resources(std::map<std::string, Quantity>& into, const Json& resources, const std::string& prefix) {
  if (!resources.is_object()) return;
  for (const auto& [name, value] : resources.items()) {
    try {
      into[prefix + name] += Quantity::from_json(value);
    } catch (const std::exception&) {
    }
  }
}

}  // namespace

bool pod_counts_for_quota(const Json& pod) {
  const std::string phase = pod.value("status", Json::object()).value("phase", "");
  return phase != "Succeeded" && phase != "Failed";
}

std::map<std::string, Quantity> pod_compute_usage(const Json& pod) {
  const Json spec = pod.value("spec", Json::object());
  std::map<std::string, Quantity> sum;
  for (const auto& c : spec.value("containers", Json::array())) {
    const Json resources = c.value("resources", Json::object());
    add_resources(sum, resources.value("requests", Json::object()), "requests.");
    add_resources(sum, resources.value("limits", Json::object()), "limits.");
  }
  for (const auto& c : spec.value("initContainers", Json::array())) {
    std::map<std::string, Quantity> one;
    const Json resources = c.value("resources", Json::object());
    add_resources(one, resources.value("requests", Json::object()), "requests.");
    add_resources(one, resources.value("limits", Json::object()), "limits.");
    for (const auto& [k, v] : one)
      if (!sum.count(k) || sum[k] < v) sum[k] = v;
  }
  if (spec.contains("overhead") && spec["overhead"].is_object()) {
    add_resources(sum, spec["overhead"], "requests.");
    add_resources(sum, spec["overhead"], "limits.");
  }
  return sum;
}

std::map<std::string, Quantity> compute_usage(const std::vector<Json>& pods, const Json& hard) {
  std::map<std::string, Quantity> total;
  for (const auto& p : pods) {
    if (!pod_counts_for_quota(p)) continue;
    for (const auto& [k, v] : pod_compute_usage(p)) total[k] += v;
  }
  std::map<std::string, Quantity> out;
  if (!hard.is_object()) return out;
  for (const auto& [key, _] : hard.items()) {
    std::string lookup = key;
    if (key == "cpu" || key == "memory" || key == "ephemeral-storage") lookup = "requests." + key;
    if (!lookup.starts_with("requests.") && !lookup.starts_with("limits.")) continue;
    if (lookup == "requests.storage") continue;  // claims, not pods
    out[key] = total.count(lookup) ? total[lookup] : Quantity();
  }
  return out;
}

CountedResource counted_resource(const std::string& key) {
  static const std::map<std::string, std::string> kBuiltin = {
      {"pods", "pods"},
      {"services", "services"},
      {"configmaps", "configmaps"},
      {"secrets", "secrets"},
      {"persistentvolumeclaims", "persistentvolumeclaims"},
      {"replicationcontrollers", "replicationcontrollers"},
      {"resourcequotas", "resourcequotas"}};
  if (auto it = kBuiltin.find(key); it != kBuiltin.end()) return {"", it->second};
  if (!key.starts_with("count/")) return {};
  const std::string rest = key.substr(6);
  const auto dot = rest.find('.');
  if (dot == std::string::npos) return {"", rest};
  return {rest.substr(dot + 1), rest.substr(0, dot)};
}

}  // namespace k3s::controllers::batch
