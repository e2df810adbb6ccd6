// core/v1 Table printers for service discovery: Service and Endpoints.
#include "tables_internal.h"
#include "util/strings.h"

namespace k3s::apiserver::tables {

namespace {

std::string service_ports(const Json& svc) {
  std::vector<std::string> parts;
  for (const auto& p : svc.value("spec", Json::object()).value("ports", Json::array())) {
    std::string s = std::to_string(p.value("port", 0));
    if (p.contains("nodePort")) s += ":" + std::to_string(p.value("nodePort", 0));
    s += "/" + p.value("protocol", std::string("TCP"));
    parts.push_back(s);
  }
  return parts.empty() ? "<none>" : util::join(parts, ",");
}

std::string external_ip(const Json& svc) {
  const Json spec = svc.value("spec", Json::object());
  std::string type = spec.value("type", "ClusterIP");
  std::vector<std::string> ips;
  for (const auto& ip : spec.value("externalIPs", Json::array()))
    if (ip.is_string()) ips.push_back(ip);
  if (type == "ExternalName") return spec.value("externalName", "<none>");
  if (type == "LoadBalancer") {
    for (const auto& ing : svc.value("status", Json::object()).value("loadBalancer", Json::object()).value("ingress", Json::array())) {
      if (ing.contains("ip")) ips.push_back(ing["ip"]);
      else if (ing.contains("hostname")) ips.push_back(ing["hostname"]);
    }
    return ips.empty() ? "<pending>" : util::join(ips, ",");
  }
  return ips.empty() ? "<none>" : util::join(ips, ",");
}

// "ip:port" for each address and port (bare IPs for subsets without ports), the first three
// and "+ N more..."; "<none>" without subsets.
std::string endpoint_addresses(const Json& endpoints) {
  constexpr std::size_t kListed = 3;
  const Json subsets = array_at(endpoints, "/subsets");
  if (subsets.empty()) return "<none>";
  std::vector<std::string> shown;
  std::size_t total = 0;
  auto add = [&](std::string text) {
    if (shown.size() < kListed) shown.push_back(std::move(text));
  };
  for (const auto& subset : subsets) {
    const Json addresses = array_at(subset, "/addresses"), ports = array_at(subset, "/ports");
    if (ports.empty()) {
      total += addresses.size();
      for (const auto& address : addresses) add(string_at(address, "/ip", ""));
      continue;
    }
    for (const auto& port : ports) {
      total += addresses.size();
      for (const auto& address : addresses) {
        const std::string ip = string_at(address, "/ip", "");
        const std::string host = ip.find(':') == std::string::npos ? ip : "[" + ip + "]";  // IPv6
        add(host + ":" + std::to_string(int_at(port, "/port")));
      }
    }
  }
  std::string text = util::join(shown, ",");
  if (total > kListed) text += " + " + std::to_string(total - kListed) + " more...";
  return text;
}

}  // namespace

void add_core_network_printers(PrinterMap& map) {
  map["/Service"] = {{name_column(),
                      {"Type", "string", "", "The type of the service.", 0},
                      {"Cluster-IP", "string", "", "The cluster IP of the service.", 0},
                      {"External-IP", "string", "", "The external IP of the service.", 0},
                      {"Port(s)", "string", "", "The ports of the service.", 0},
                      age_column(),
                      {"Selector", "string", "", "The selector of the service.", 1}},
                     [](const Json& o, const std::string& age, object::Timestamp) {
                       return Row{object::name_of(o), str_or(o, "/spec/type", "ClusterIP"), str_or(o, "/spec/clusterIP"),
                                  external_ip(o), service_ports(o), age, selector_text(object_at(o, "/spec/selector"))};
                     }};
  map["/Endpoints"] = {{name_column(), {"Endpoints", "string", "", "Addresses and ports of the endpoints.", 0}, age_column()},
                       [](const Json& o, const std::string& age, object::Timestamp) {
                         return Row{object::name_of(o), endpoint_addresses(o), age};
                       }};
}

}  // namespace k3s::apiserver::tables
