#include "core/endpoints_builder.h"

#include <algorithm>
#include <map>

#include "object/meta.h"

namespace k3s::controllers::core {

namespace {

Json spec_of(const Json& o) { return o.value("spec", Json::object()); }
Json status_of(const Json& o) { return o.value("status", Json::object()); }

std::vector<std::string> pod_ips(const Json& pod) {
  std::vector<std::string> out;
  const Json status = status_of(pod);
  for (const auto& entry : status.value("podIPs", Json::array()))
    if (entry.is_object() && !entry.value("ip", "").empty()) out.push_back(entry["ip"]);
  if (out.empty() && !status.value("podIP", "").empty()) out.push_back(status["podIP"]);
  return out;
}

Json target_ref(const Json& pod) {
  return {{"kind", "Pod"},
          {"namespace", object::namespace_of(pod)},
          {"name", object::name_of(pod)},
          {"uid", object::uid_of(pod)}};
}

// The ports of `service` that `pod` serves, as EndpointPorts.
Json endpoint_ports(const Json& service, const Json& pod) {
  Json out = Json::array();
  for (const auto& sp : spec_of(service).value("ports", Json::array())) {
    auto port = resolve_target_port(pod, sp);
    if (!port) continue;
    Json ep = {{"port", *port}, {"protocol", sp.value("protocol", "TCP")}};
    if (!sp.value("name", "").empty()) ep["name"] = sp["name"];
    if (sp.contains("appProtocol")) ep["appProtocol"] = sp["appProtocol"];
    out.push_back(ep);
  }
  std::sort(out.begin(), out.end(), [](const Json& a, const Json& b) {
    return std::make_tuple(a.value("name", ""), a.value("port", 0), a.value("protocol", "")) <
           std::make_tuple(b.value("name", ""), b.value("port", 0), b.value("protocol", ""));
  });
  return out;
}

bool service_has_ports(const Json& service) { return !spec_of(service).value("ports", Json::array()).empty(); }

// Hostname published for a pod: its spec.hostname when its subdomain is the Service.
std::string pod_hostname(const Json& pod, const Json& service) {
  const Json spec = spec_of(pod);
  if (spec.value("subdomain", "") == object::name_of(service)) return spec.value("hostname", "");
  return {};
}

}  // namespace

bool pod_is_ready(const Json& pod) {
  for (const auto& c : status_of(pod).value("conditions", Json::array()))
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  return false;
}

bool should_pod_be_in_endpoints(const Json& pod, bool include_terminating) {
  if (pod_ips(pod).empty()) return false;
  if (!include_terminating && object::is_being_deleted(pod)) return false;
  const std::string phase = status_of(pod).value("phase", "");
  const std::string restart = spec_of(pod).value("restartPolicy", "Always");
  if (restart == "Never") return phase != "Failed" && phase != "Succeeded";
  if (restart == "OnFailure") return phase != "Succeeded";
  return true;
}

std::optional<int> resolve_target_port(const Json& pod, const Json& service_port) {
  const Json target = service_port.value("targetPort", Json());
  if (target.is_number_integer()) return target.get<int>();
  if (target.is_null() || (target.is_string() && target.get<std::string>().empty()))
    return service_port.value("port", 0) > 0 ? std::optional<int>(service_port.value("port", 0)) : std::nullopt;
  if (!target.is_string()) return std::nullopt;
  const std::string name = target;
  if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) return std::stoi(name);
  const std::string protocol = service_port.value("protocol", "TCP");
  for (const auto& c : spec_of(pod).value("containers", Json::array()))
    for (const auto& p : c.value("ports", Json::array()))
      if (p.value("name", "") == name && p.value("protocol", "TCP") == protocol) return p.value("containerPort", 0);
  return std::nullopt;
}

std::string address_family(const std::string& ip) { return ip.find(':') == std::string::npos ? "IPv4" : "IPv6"; }

std::string pod_ip_for_family(const Json& pod, const std::string& family) {
  for (const auto& ip : pod_ips(pod))
    if (address_family(ip) == family) return ip;
  return {};
}

std::vector<std::string> service_address_types(const Json& service) {
  std::vector<std::string> out;
  for (const auto& f : spec_of(service).value("ipFamilies", Json::array()))
    if (f == "IPv4" || f == "IPv6") out.push_back(f);
  if (out.empty()) out.push_back("IPv4");
  return out;
}

Json build_endpoints_subsets(const Json& service, const std::vector<ObjectPtr>& pods, bool& truncated) {
  truncated = false;
  const bool publish_not_ready = spec_of(service).value("publishNotReadyAddresses", false);
  const std::string family = service_address_types(service).front();
  struct Group {
    Json ports;
    std::vector<Json> ready, not_ready;
  };
  std::map<std::string, Group> groups;  // by the dump of the port list
  std::size_t total = 0;
  for (const auto& pod : pods) {
    if (!should_pod_be_in_endpoints(*pod, publish_not_ready)) continue;
    const std::string ip = pod_ip_for_family(*pod, family);
    if (ip.empty()) continue;
    Json ports = endpoint_ports(service, *pod);
    if (ports.empty() && service_has_ports(service)) continue;  // serves none of the ports
    Json address = {{"ip", ip}, {"targetRef", target_ref(*pod)}};
    const std::string node = spec_of(*pod).value("nodeName", "");
    if (!node.empty()) address["nodeName"] = node;
    const std::string hostname = pod_hostname(*pod, service);
    if (!hostname.empty()) address["hostname"] = hostname;
    Group& group = groups[ports.dump()];
    group.ports = ports;
    if (publish_not_ready || pod_is_ready(*pod))
      group.ready.push_back(address);
    else
      group.not_ready.push_back(address);
    ++total;
  }
  // Over capacity: ready addresses are kept first, as kube keeps them.
  std::size_t budget = kMaxEndpointsAddresses;
  truncated = total > kMaxEndpointsAddresses;
  auto by_ip = [](const Json& a, const Json& b) { return a.value("ip", "") < b.value("ip", ""); };
  Json subsets = Json::array();
  for (int pass = 0; pass < 2; ++pass) {
    for (auto& [key, group] : groups) {
      auto& list = pass == 0 ? group.ready : group.not_ready;
      std::sort(list.begin(), list.end(), by_ip);
      if (list.size() > budget) list.resize(budget);
      budget -= list.size();
    }
  }
  for (auto& [key, group] : groups) {
    if (group.ready.empty() && group.not_ready.empty()) continue;
    Json subset = Json::object();
    if (!group.ready.empty()) subset["addresses"] = group.ready;
    if (!group.not_ready.empty()) subset["notReadyAddresses"] = group.not_ready;
    if (!group.ports.empty()) subset["ports"] = group.ports;
    subsets.push_back(subset);
  }
  return subsets;
}

std::vector<DesiredSlice> build_endpoint_slices(const Json& service, const std::vector<ObjectPtr>& pods,
                                                std::size_t max_per_slice) {
  const bool publish_not_ready = spec_of(service).value("publishNotReadyAddresses", false);
  std::vector<DesiredSlice> out;
  for (const auto& family : service_address_types(service)) {
    std::map<std::string, std::pair<Json, std::vector<Json>>> groups;  // port list dump -> endpoints
    for (const auto& pod : pods) {
      if (!should_pod_be_in_endpoints(*pod, true)) continue;
      const std::string ip = pod_ip_for_family(*pod, family);
      if (ip.empty()) continue;
      Json ports = endpoint_ports(service, *pod);
      if (ports.empty() && service_has_ports(service)) continue;
      const bool serving = pod_is_ready(*pod);
      const bool terminating = object::is_being_deleted(*pod);
      Json endpoint = {{"addresses", Json::array({ip})},
                       {"conditions",
                        {{"ready", publish_not_ready || (serving && !terminating)},
                         {"serving", serving},
                         {"terminating", terminating}}},
                       {"targetRef", target_ref(*pod)}};
      const std::string node = spec_of(*pod).value("nodeName", "");
      if (!node.empty()) endpoint["nodeName"] = node;
      const std::string hostname = pod_hostname(*pod, service);
      if (!hostname.empty()) endpoint["hostname"] = hostname;
      auto& group = groups[ports.dump()];
      group.first = ports;
      group.second.push_back(endpoint);
    }
    for (auto& [key, group] : groups) {
      auto& endpoints = group.second;
      std::sort(endpoints.begin(), endpoints.end(),
                [](const Json& a, const Json& b) { return a["addresses"][0] < b["addresses"][0]; });
      for (std::size_t start = 0; start < endpoints.size(); start += max_per_slice) {
        DesiredSlice slice;
        slice.address_type = family;
        slice.ports = group.first;
        // An EndpointSlice port always has a name (the API server defaults it to ""), unlike an
        // Endpoints port; written so, the stored slice compares equal to the desired one.
        for (auto& port : slice.ports)
          if (!port.contains("name")) port["name"] = "";
        const std::size_t end = std::min(endpoints.size(), start + max_per_slice);
        for (std::size_t i = start; i < end; ++i) slice.endpoints.push_back(endpoints[i]);
        out.push_back(std::move(slice));
      }
    }
    // A Service whose selector matches nothing still gets one empty slice per family.
    if (groups.empty()) {
      DesiredSlice empty;
      empty.address_type = family;
      out.push_back(std::move(empty));
    }
  }
  return out;
}

}  // namespace k3s::controllers::core
