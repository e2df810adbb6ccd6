// core/v1 Table printers for service discovery: Service and Endpoints.
#include <set>

#include "tables_internal.h"
#include "util/strings.h"

namespace k3s::apiserver::tables {

namespace {

std::string service_ports(const Json& svc) {
  std::vector<std::string> parts;
  for (const auto& p : array_at(svc, "/spec/ports")) {
    std::string s = std::to_string(int_at(p, "/port"));
    if (int_at(p, "/nodePort") > 0) s += ":" + std::to_string(int_at(p, "/nodePort"));
    parts.push_back(s + "/" + string_at(p, "/protocol", "TCP"));
  }
  return parts.empty() ? "<none>" : util::join(parts, ",");
}

// CLUSTER-IP: the first of spec.clusterIPs (spec.clusterIP when only that is set).
std::string cluster_ip(const Json& svc) {
  std::string ip = string_at(svc, "/spec/clusterIPs/0", "");
  if (ip.empty()) ip = string_at(svc, "/spec/clusterIP", "");
  return ip.empty() ? "<none>" : ip;
}

// EXTERNAL-IP: spec.externalIPs, and for load balancers first their ingress points (sorted,
// without duplicates) or "<pending>" until there are any.
std::string external_ip(const Json& svc) {
  const std::string type = string_at(svc, "/spec/type", "ClusterIP");
  std::vector<std::string> external;
  for (const auto& ip : array_at(svc, "/spec/externalIPs"))
    if (ip.is_string()) external.push_back(ip.get<std::string>());
  if (type == "ClusterIP" || type == "NodePort") return external.empty() ? "<none>" : util::join(external, ",");
  if (type == "ExternalName") return string_at(svc, "/spec/externalName", "");
  if (type != "LoadBalancer") return "<unknown>";
  std::set<std::string> points;
  for (const auto& point : array_at(svc, "/status/loadBalancer/ingress")) {
    const std::string ip = string_at(point, "/ip", ""), hostname = string_at(point, "/hostname", "");
    if (!ip.empty()) points.insert(ip);
    else if (!hostname.empty()) points.insert(hostname);
  }
  std::vector<std::string> shown(points.begin(), points.end());
  shown.insert(shown.end(), external.begin(), external.end());
  return shown.empty() ? "<pending>" : util::join(shown, ",");
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
                       return Row{object::name_of(o), str_or(o, "/spec/type", "ClusterIP"), cluster_ip(o),
                                  external_ip(o), service_ports(o), age, selector_text(object_at(o, "/spec/selector"))};
                     }};
  map["/Endpoints"] = {{name_column(), {"Endpoints", "string", "", "Addresses and ports of the endpoints.", 0}, age_column()},
                       [](const Json& o, const std::string& age, object::Timestamp) {
                         return Row{object::name_of(o), endpoint_addresses(o), age};
                       }};
}

}  // namespace k3s::apiserver::tables
