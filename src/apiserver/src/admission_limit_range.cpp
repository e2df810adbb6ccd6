// The LimitRanger admission plugin for pods: the Container limits of the namespace's
// LimitRanges fill in missing requests and limits, then min and max are enforced.
#include <string>
#include <vector>

#include "admission_plugins.h"
#include "context.h"
#include "object/meta.h"
#include "object/quantity.h"
#include "util/strings.h"

namespace k3s::apiserver {

namespace {

using object::Quantity;

// LimitRange defaulting as kube stores it: default falls back to max, defaultRequest to
// default and then to min.
struct ContainerLimits {
  Json defaults = Json::object(), default_requests = Json::object(), min = Json::object(), max = Json::object();
};

ContainerLimits effective_limits(const Json& item) {
  ContainerLimits l;
  l.min = object::object_member(item, "min");
  l.max = object::object_member(item, "max");
  l.defaults = object::object_member(item, "default");
  l.default_requests = object::object_member(item, "defaultRequest");
  for (const auto& [name, value] : l.max.items())
    if (!l.defaults.contains(name)) l.defaults[name] = value;
  for (const auto& [name, value] : l.defaults.items())
    if (!l.default_requests.contains(name)) l.default_requests[name] = value;
  for (const auto& [name, value] : l.min.items())
    if (!l.default_requests.contains(name)) l.default_requests[name] = value;
  return l;
}

using util::join;

void apply_defaults(const ContainerLimits& limits, Json& container, std::vector<std::string>& applied) {
  const std::string name = container.value("name", "");
  if (!container.contains("resources") || !container["resources"].is_object()) container["resources"] = Json::object();
  Json& resources = container["resources"];
  for (const auto& [kind, defaults] : {std::pair<const char*, const Json*>{"requests", &limits.default_requests},
                                       std::pair<const char*, const Json*>{"limits", &limits.defaults}}) {
    if (defaults->empty()) continue;
    if (!resources.contains(kind) || !resources[kind].is_object()) resources[kind] = Json::object();
    std::vector<std::string> set;
    for (const auto& [resource, value] : defaults->items()) {
      if (resources[kind].contains(resource)) continue;
      // A default request never exceeds the container's own limit.
      if (std::string(kind) == "requests" && object::object_member(resources, "limits").contains(resource)) continue;
      resources[kind][resource] = value;
      set.push_back(resource);
    }
    if (!set.empty())
      applied.push_back(join(set, ", ") + (std::string(kind) == "requests" ? " request" : " limit") + " for container " +
                        name);
    if (resources[kind].empty()) resources.erase(kind);
  }
}

void check_bounds(const ContainerLimits& limits, const Json& container, std::vector<std::string>& errors) {
  const Json& resources = object::object_member(container, "resources");
  const Json& requests = object::object_member(resources, "requests");
  const Json& lims = object::object_member(resources, "limits");
  auto quantity = [](const Json& v) { return Quantity::from_json(v); };
  for (const auto& [resource, bound] : limits.min.items()) {
    const Quantity min = quantity(bound);
    if (!requests.contains(resource))
      errors.push_back("minimum " + resource + " usage per Container is " + min.to_string() + ".  No request is specified");
    else if (quantity(requests[resource]) < min)
      errors.push_back("minimum " + resource + " usage per Container is " + min.to_string() + ", but request is " +
                       quantity(requests[resource]).to_string());
    if (lims.contains(resource) && quantity(lims[resource]) < min)
      errors.push_back("minimum " + resource + " usage per Container is " + min.to_string() + ", but limit is " +
                       quantity(lims[resource]).to_string());
  }
  for (const auto& [resource, bound] : limits.max.items()) {
    const Quantity max = quantity(bound);
    if (!lims.contains(resource))
      errors.push_back("maximum " + resource + " usage per Container is " + max.to_string() + ".  No limit is specified");
    else if (quantity(lims[resource]) > max)
      errors.push_back("maximum " + resource + " usage per Container is " + max.to_string() + ", but limit is " +
                       quantity(lims[resource]).to_string());
  }
}

}  // namespace

void admit_limit_range(ApiContext& ctx, const ResourceRequest& req, Json& pod) {
  WatchCache* ranges = ctx.cache_for("", "v1", "limitranges");
  if (!ranges || !pod.contains("spec") || !pod["spec"].is_object()) return;
  ObjectFilter in_namespace;
  in_namespace.ns = req.ns;
  std::vector<std::string> applied, errors;
  for (const auto& range : ranges->list(in_namespace, 0, "").items) {
    for (const auto& item : range->object.value("spec", Json::object()).value("limits", Json::array())) {
      if (!item.is_object() || item.value("type", "") != "Container") continue;
      const ContainerLimits limits = effective_limits(item);
      for (const char* list : {"initContainers", "containers"}) {
        if (!pod["spec"].contains(list) || !pod["spec"][list].is_array()) continue;
        for (auto& container : pod["spec"][list]) {
          if (!container.is_object()) continue;
          try {
            apply_defaults(limits, container, applied);
            check_bounds(limits, container, errors);
          } catch (const object::QuantityError& e) {
            errors.push_back(e.what());
          }
        }
      }
    }
  }
  if (!errors.empty()) {
    const std::string why = errors.size() == 1 ? errors.front() : "[" + join(errors, ", ") + "]";
    throw ApiError(403, "Forbidden", "pods \"" + object::name_of(pod) + "\" is forbidden: " + why,
                   {{"name", object::name_of(pod)}, {"kind", "pods"}});
  }
  if (!applied.empty())
    pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"] = "LimitRanger plugin set: " + join(applied, "; ");
}

}  // namespace k3s::apiserver
