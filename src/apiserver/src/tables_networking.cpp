// Table printers for networking: networking.k8s.io/v1 Ingress, IngressClass and NetworkPolicy,
// and discovery.k8s.io/v1 EndpointSlice.
#include <algorithm>
#include <set>

#include "tables_internal.h"
#include "util/strings.h"

namespace k3s::apiserver::tables {

namespace {

// Lists longer than this print their first entries and "+ N more...".
constexpr std::size_t kListedEntries = 3;

// shown (the first kListedEntries of total entries) joined, "+ N more..." for the rest.
std::string with_more(const std::vector<std::string>& shown, std::size_t total, const std::string& when_empty) {
  std::string text = util::join(shown, ",");
  if (total > shown.size()) text += " + " + std::to_string(total - shown.size()) + " more...";
  return text.empty() ? when_empty : text;
}

// HOSTS: the first three rules' hosts, "*" when none names one; the remainder counts rules.
std::string ingress_hosts(const Json& ingress) {
  const Json rules = array_at(ingress, "/spec/rules");
  std::vector<std::string> hosts;
  bool more = false;
  for (const auto& rule : rules) {
    if (hosts.size() == kListedEntries) more = true;
    if (!more) {
      const std::string host = string_at(rule, "/host", "");
      if (!host.empty()) hosts.push_back(host);
    }
  }
  if (hosts.empty()) return "*";
  std::string text = util::join(hosts, ",");
  if (more) text += " + " + std::to_string(rules.size() - kListedEntries) + " more...";
  return text;
}

// ADDRESS: the load balancer's IPs (else hostnames), sorted and without duplicates.
std::string ingress_address(const Json& ingress) {
  std::set<std::string> addresses;
  for (const auto& point : array_at(ingress, "/status/loadBalancer/ingress")) {
    const std::string ip = string_at(point, "/ip", ""), hostname = string_at(point, "/hostname", "");
    if (!ip.empty()) addresses.insert(ip);
    else if (!hostname.empty()) addresses.insert(hostname);
  }
  return util::join(std::vector<std::string>(addresses.begin(), addresses.end()), ",");
}

// PARAMETERS: "Kind[.apiGroup]/name" of spec.parameters, "<none>" without one.
std::string ingress_class_parameters(const Json& ingress_class) {
  Json::json_pointer p("/spec/parameters");
  if (!ingress_class.contains(p) || !ingress_class.at(p).is_object()) return "<none>";
  const Json& params = ingress_class.at(p);
  std::string text = string_at(params, "/kind", "");
  if (params.contains("apiGroup") && params["apiGroup"].is_string()) text += "." + params["apiGroup"].get<std::string>();
  return text + "/" + string_at(params, "/name", "");
}

// PORTS: port numbers (the name when a port has none, "*" when it has neither).
std::string slice_ports(const Json& slice) {
  const Json ports = array_at(slice, "/ports");
  std::vector<std::string> shown;
  for (const auto& port : ports) {
    if (shown.size() == kListedEntries) break;
    if (port.contains("port") && port["port"].is_number_integer()) shown.push_back(std::to_string(port["port"].get<int64_t>()));
    else shown.push_back(string_at(port, "/name", "*"));
  }
  return with_more(shown, ports.size(), "<unset>");
}

// ENDPOINTS: the addresses of all endpoints.
std::string slice_endpoints(const Json& slice) {
  std::vector<std::string> shown;
  std::size_t total = 0;
  for (const auto& endpoint : array_at(slice, "/endpoints"))
    for (const auto& address : array_at(endpoint, "/addresses")) {
      if (shown.size() < kListedEntries) shown.push_back(address.is_string() ? address.get<std::string>() : "");
      ++total;
    }
  return with_more(shown, total, "<unset>");
}

}  // namespace

void add_networking_printers(PrinterMap& map) {
  map["networking.k8s.io/Ingress"] = {{name_column(),
                                       {"Class", "string", "", "The IngressClass of the ingress.", 0},
                                       {"Hosts", "string", "", "Hosts the rules match.", 0},
                                       {"Address", "string", "", "Where the load balancer serves the ingress.", 0},
                                       {"Ports", "string", "", "80, and 443 when TLS is configured.", 0},
                                       age_column()},
                                      [](const Json& o, const std::string& age, object::Timestamp) {
                                        const bool tls = !array_at(o, "/spec/tls").empty();
                                        return Row{object::name_of(o), string_at(o, "/spec/ingressClassName", "<none>"),
                                                   ingress_hosts(o), ingress_address(o), tls ? "80, 443" : "80", age};
                                      }};
  map["networking.k8s.io/IngressClass"] = {{name_column(),
                                            {"Controller", "string", "", "The controller that implements the class.", 0},
                                            {"Parameters", "string", "", "The object holding the class's parameters.", 0},
                                            age_column()},
                                           [](const Json& o, const std::string& age, object::Timestamp) {
                                             return Row{object::name_of(o), string_at(o, "/spec/controller", ""),
                                                        ingress_class_parameters(o), age};
                                           }};
  map["networking.k8s.io/NetworkPolicy"] = {{name_column(),
                                             {"Pod-Selector", "string", "", "The pods the policy applies to.", 0},
                                             age_column()},
                                            [](const Json& o, const std::string& age, object::Timestamp) {
                                              return Row{object::name_of(o), label_selector_text(object_at(o, "/spec/podSelector")),
                                                         age};
                                            }};
  map["discovery.k8s.io/EndpointSlice"] = {{name_column(),
                                            {"AddressType", "string", "", "IPv4, IPv6 or FQDN.", 0},
                                            {"Ports", "string", "", "The ports of the slice.", 0},
                                            {"Endpoints", "string", "", "Addresses of the endpoints.", 0},
                                            age_column()},
                                           [](const Json& o, const std::string& age, object::Timestamp) {
                                             return Row{object::name_of(o), string_at(o, "/addressType", ""), slice_ports(o),
                                                        slice_endpoints(o), age};
                                           }};
}

}  // namespace k3s::apiserver::tables
