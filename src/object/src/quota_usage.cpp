#include "object/quota_usage.h"

#include "object/meta.h"

namespace k3s::object {

namespace {

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

std::map<std::string, Quantity> object_quota_usage(const std::string& group, const std::string& resource,
                                                   const Json& object, const Json& hard) {
  std::map<std::string, Quantity> out;
  if (!hard.is_object()) return out;
  const Quantity one(1, QuantityFormat::decimal_si);
  const bool is_pod = group.empty() && resource == "pods";
  if (is_pod && !pod_counts_for_quota(object)) return out;
  const Json spec = object.value("spec", Json::object());
  std::map<std::string, Quantity> compute;
  if (is_pod) compute = compute_usage({object}, hard);
  for (const auto& [key, _] : hard.items()) {
    const CountedResource counted = counted_resource(key);
    if (!counted.resource.empty()) {
      if (counted.group == group && counted.resource == resource) out[key] = one;
      continue;
    }
    if (is_pod) {
      if (auto it = compute.find(key); it != compute.end() && !it->second.is_zero()) out[key] = it->second;
    } else if (group.empty() && resource == "services") {
      const std::string type = spec.value("type", "ClusterIP");
      if (key == "services.loadbalancers" && type == "LoadBalancer") out[key] = one;
      if (key == "services.nodeports" && (type == "NodePort" || type == "LoadBalancer")) {
        std::int64_t ports = 0;
        for (const auto& port : spec.value("ports", Json::array())) ports += port.is_object() && port.contains("nodePort") ? 1 : 0;
        if (ports > 0) out[key] = Quantity(ports, QuantityFormat::decimal_si);
      }
    } else if (group.empty() && resource == "persistentvolumeclaims" && key == "requests.storage") {
      const Json requests = spec.value("resources", Json::object()).value("requests", Json::object());
      if (requests.is_object() && requests.contains("storage")) {
        try {
          out[key] = Quantity::from_json(requests["storage"]);
        } catch (const std::exception&) {
        }
      }
    }
  }
  return out;
}

}  // namespace k3s::object
