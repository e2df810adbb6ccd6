#include "core/cidr_set.h"

#include <arpa/inet.h>

#include <stdexcept>

namespace k3s::controllers::core {

namespace {

struct ParsedCidr {
  bool ipv6 = false;
  unsigned __int128 address = 0;
  int mask = 0;
};

std::optional<ParsedCidr> parse_cidr(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  const std::string ip = text.substr(0, slash), bits = text.substr(slash + 1);
  if (bits.empty() || bits.size() > 3 || bits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  ParsedCidr out;
  out.mask = std::stoi(bits);
  unsigned char bytes[16] = {0};
  if (inet_pton(AF_INET, ip.c_str(), bytes) == 1) {
    if (out.mask > 32) return std::nullopt;
    for (int i = 0; i < 4; ++i) out.address = (out.address << 8) | bytes[i];
  } else if (inet_pton(AF_INET6, ip.c_str(), bytes) == 1) {
    if (out.mask > 128) return std::nullopt;
    out.ipv6 = true;
    for (int i = 0; i < 16; ++i) out.address = (out.address << 8) | bytes[i];
  } else {
    return std::nullopt;
  }
  return out;
}

int width(bool ipv6) { return ipv6 ? 128 : 32; }

unsigned __int128 network_of(unsigned __int128 address, int mask, bool ipv6) {
  const int host_bits = width(ipv6) - mask;
  if (host_bits >= 128) return 0;
  const unsigned __int128 host_mask = (static_cast<unsigned __int128>(1) << host_bits) - 1;
  return address & ~host_mask;
}

}  // namespace

std::vector<std::string> split_cidrs(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    part.erase(0, part.find_first_not_of(" \t"));
    part.erase(part.find_last_not_of(" \t") + 1);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

CidrSet::CidrSet(const std::string& cluster_cidr, int node_mask_size) : cluster_cidr_(cluster_cidr) {
  auto parsed = parse_cidr(cluster_cidr);
  if (!parsed) throw std::invalid_argument("invalid CIDR address: " + cluster_cidr);
  ipv6_ = parsed->ipv6;
  cluster_mask_ = parsed->mask;
  node_mask_ = node_mask_size;
  base_ = network_of(parsed->address, cluster_mask_, ipv6_);
  if (node_mask_ < cluster_mask_ || node_mask_ > width(ipv6_))
    throw std::invalid_argument("the node CIDR mask size /" + std::to_string(node_mask_) +
                                " does not fit in the cluster CIDR " + cluster_cidr);
  if (node_mask_ - cluster_mask_ > 16)
    throw std::invalid_argument("the node CIDR mask size /" + std::to_string(node_mask_) +
                                " is more than 16 bits longer than the cluster CIDR " + cluster_cidr);
  used_.assign(std::size_t{1} << (node_mask_ - cluster_mask_), false);
}

std::string CidrSet::subnet(std::size_t index) const {
  const unsigned __int128 address = base_ + (static_cast<unsigned __int128>(index) << (width(ipv6_) - node_mask_));
  unsigned char bytes[16] = {0};
  const int length = ipv6_ ? 16 : 4;
  for (int i = 0; i < length; ++i) bytes[i] = static_cast<unsigned char>(address >> (8 * (length - 1 - i)));
  char text[INET6_ADDRSTRLEN] = {0};
  inet_ntop(ipv6_ ? AF_INET6 : AF_INET, bytes, text, sizeof(text));
  return std::string(text) + "/" + std::to_string(node_mask_);
}

std::optional<std::size_t> CidrSet::index_of(const std::string& cidr) const {
  auto parsed = parse_cidr(cidr);
  if (!parsed || parsed->ipv6 != ipv6_ || parsed->mask != node_mask_) return std::nullopt;
  if (network_of(parsed->address, cluster_mask_, ipv6_) != base_) return std::nullopt;
  const unsigned __int128 offset = (parsed->address - base_) >> (width(ipv6_) - node_mask_);
  if (offset >= used_.size()) return std::nullopt;
  return static_cast<std::size_t>(offset);
}

std::optional<std::string> CidrSet::allocate() {
  for (std::size_t i = 0; i < used_.size(); ++i) {
    const std::size_t candidate = (next_candidate_ + i) % used_.size();
    if (used_[candidate]) continue;
    used_[candidate] = true;
    ++used_count_;
    next_candidate_ = (candidate + 1) % used_.size();
    return subnet(candidate);
  }
  return std::nullopt;
}

bool CidrSet::occupy(const std::string& cidr) {
  auto index = index_of(cidr);
  if (!index) return false;
  if (!used_[*index]) {
    used_[*index] = true;
    ++used_count_;
  }
  return true;
}

void CidrSet::release(const std::string& cidr) {
  auto index = index_of(cidr);
  if (!index || !used_[*index]) return;
  used_[*index] = false;
  --used_count_;
}

bool CidrSet::same_family(const std::string& cidr) const {
  auto parsed = parse_cidr(cidr);
  return parsed && parsed->ipv6 == ipv6_;
}

}  // namespace k3s::controllers::core
