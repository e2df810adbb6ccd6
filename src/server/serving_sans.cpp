#include "serving_sans.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <stdexcept>

namespace k3s::server {
namespace {

void add_unique(std::vector<std::string>& list, const std::string& value) {
  if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) items.push_back(item);
    start = comma + 1;
  }
  return items;
}

bool is_ip_literal(const std::string& text) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

bool is_unspecified(const std::string& ip) { return ip == "0.0.0.0" || ip == "::" || ip.empty(); }

// Interfaces created by the pod network (CNI bridge, veth pairs, flannel, container runtimes).
bool is_pod_network_interface(const char* name) {
  static const char* prefixes[] = {"cni", "flannel", "veth", "docker", "kube-", "cali", "vxlan", "tunl"};
  for (const char* prefix : prefixes)
    if (std::strncmp(name, prefix, std::strlen(prefix)) == 0) return true;
  return false;
}

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

}  // namespace

std::string first_ip_of_cidr(const std::string& cidr) {
  const size_t slash = cidr.find('/');
  if (slash == std::string::npos) throw std::runtime_error("invalid CIDR '" + cidr + "': missing /prefix");
  const std::string address = cidr.substr(0, slash), prefix_text = cidr.substr(slash + 1);
  unsigned char bytes[sizeof(in6_addr)] = {};
  int family = 0, bits = 0;
  if (inet_pton(AF_INET, address.c_str(), bytes) == 1) {
    family = AF_INET;
    bits = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), bytes) == 1) {
    family = AF_INET6;
    bits = 128;
  } else {
    throw std::runtime_error("invalid CIDR '" + cidr + "': '" + address + "' is not an IP address");
  }
  if (prefix_text.empty() || prefix_text.size() > 3 ||
      !std::all_of(prefix_text.begin(), prefix_text.end(), [](unsigned char c) { return std::isdigit(c); }))
    throw std::runtime_error("invalid CIDR '" + cidr + "': bad prefix length");
  const int prefix = std::stoi(prefix_text);
  if (prefix > bits) throw std::runtime_error("invalid CIDR '" + cidr + "': prefix longer than the address");
  if (bits - prefix < 2) throw std::runtime_error("CIDR '" + cidr + "' has no room for a service address");

  const int length = bits / 8;
  for (int i = 0; i < length; ++i) {
    const int keep = std::clamp(prefix - i * 8, 0, 8);
    bytes[i] &= static_cast<unsigned char>(0xff00 >> keep);
  }
  for (int i = length - 1; i >= 0; --i)  // +1 with carry
    if (++bytes[i] != 0) break;
  char out[INET6_ADDRSTRLEN];
  return inet_ntop(family, bytes, out, sizeof out);
}

std::vector<std::string> host_interface_ips() {
  std::vector<std::string> ips;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return ips;
  for (ifaddrs* entry = list; entry; entry = entry->ifa_next) {
    if (!entry->ifa_addr || !(entry->ifa_flags & IFF_UP) || (entry->ifa_flags & IFF_LOOPBACK)) continue;
    if (is_pod_network_interface(entry->ifa_name)) continue;
    char out[INET6_ADDRSTRLEN];
    if (entry->ifa_addr->sa_family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(entry->ifa_addr);
      add_unique(ips, inet_ntop(AF_INET, &in->sin_addr, out, sizeof out));
    } else if (entry->ifa_addr->sa_family == AF_INET6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(entry->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr)) continue;
      add_unique(ips, inet_ntop(AF_INET6, &in6->sin6_addr, out, sizeof out));
    }
  }
  freeifaddrs(list);
  return ips;
}

ServingSans serving_sans(const cli::ServerConfig& config) {
  ServingSans sans;
  add_unique(sans.ips, "127.0.0.1");
  add_unique(sans.ips, "::1");
  add_unique(sans.dns, "localhost");
  add_unique(sans.dns, host_name());
  add_unique(sans.dns, config.agent.node_name);

  for (const std::string& ip : config.agent.node_ips)
    for (const std::string& item : split_list(ip)) add_unique(sans.ips, item);
  for (const std::string& ip : config.agent.node_external_ips)
    for (const std::string& item : split_list(ip)) add_unique(sans.ips, item);
  if (!config.advertise_address.empty())
    add_unique(is_ip_literal(config.advertise_address) ? sans.ips : sans.dns, config.advertise_address);
  if (!is_unspecified(config.bind_address) && is_ip_literal(config.bind_address))
    add_unique(sans.ips, config.bind_address);
  for (const std::string& ip : host_interface_ips()) add_unique(sans.ips, ip);

  add_unique(sans.dns, "kubernetes");
  add_unique(sans.dns, "kubernetes.default");
  add_unique(sans.dns, "kubernetes.default.svc");
  if (!config.cluster_domain.empty()) add_unique(sans.dns, "kubernetes.default.svc." + config.cluster_domain);
  for (const std::string& cidr : split_list(config.service_cidr)) add_unique(sans.ips, first_ip_of_cidr(cidr));

  for (const std::string& san : config.tls_sans)
    for (const std::string& item : split_list(san)) add_unique(is_ip_literal(item) ? sans.ips : sans.dns, item);
  return sans;
}

}  // namespace k3s::server
