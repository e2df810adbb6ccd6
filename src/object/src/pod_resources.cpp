#include "object/pod_resources.h"

#include <vector>

#include "object/meta.h"
#include "object/quantity.h"

namespace k3s::object {

namespace {

using Json = nlohmann::json;

bool positive(const Json& value) {
  try {
    return Quantity::from_json(value).sign() > 0;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::string pod_qos_class(const Json& pod) {
  const Json& spec = object_member(pod, "spec");
  std::vector<const Json*> containers;
  for (const char* list : {"initContainers", "containers"}) {
    auto it = spec.find(list);
    if (it == spec.end() || !it->is_array()) continue;
    for (const auto& c : *it) containers.push_back(&c);
  }
  bool any_set = false, guaranteed = true;
  for (const Json* c : containers) {
    const Json& resources = object_member(*c, "resources");
    const Json& requests = object_member(resources, "requests");
    const Json& limits = object_member(resources, "limits");
    for (const char* name : {"cpu", "memory"}) {
      const bool has_request = requests.contains(name) && positive(requests[name]);
      const bool has_limit = limits.contains(name) && positive(limits[name]);
      if (has_request || has_limit) any_set = true;
      if (!has_limit) {
        guaranteed = false;
        continue;
      }
      if (has_request && Quantity::from_json(requests[name]) != Quantity::from_json(limits[name])) guaranteed = false;
    }
  }
  if (!any_set) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

void default_container_requests(Json& container) {
  if (!container.is_object() || !container.contains("resources") || !container["resources"].is_object()) return;
  Json& resources = container["resources"];
  if (!resources.contains("limits") || !resources["limits"].is_object() || resources["limits"].empty()) return;
  if (!resources.contains("requests") || !resources["requests"].is_object()) resources["requests"] = Json::object();
  for (const auto& [name, value] : resources["limits"].items())
    if (!resources["requests"].contains(name)) resources["requests"][name] = value;
}

}  // namespace k3s::object
