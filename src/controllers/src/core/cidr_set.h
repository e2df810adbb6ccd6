// The pod CIDRs of one cluster CIDR: node-sized subnets handed out in order, marked used
// when a node already carries one (rebuilt from the nodes after a restart), and released
// when the node goes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace k3s::controllers::core {

class CidrSet {
 public:
  // `cluster_cidr` like "10.42.0.0/16" or "fd00:42::/56"; throws std::invalid_argument for
  // a malformed CIDR or a node mask that is not longer than the cluster's (or more than 16
  // bits longer, as kube limits it).
  CidrSet(const std::string& cluster_cidr, int node_mask_size);

  bool is_ipv6() const { return ipv6_; }
  const std::string& cluster_cidr() const { return cluster_cidr_; }
  std::size_t capacity() const { return used_.size(); }
  std::size_t used() const { return used_count_; }

  // The next free subnet ("10.42.3.0/24"); nullopt when every one is taken.
  std::optional<std::string> allocate();
  // Marks `cidr` taken; false when it is not one of this set's subnets.
  bool occupy(const std::string& cidr);
  // Frees `cidr` (ignored when it is not one of this set's subnets).
  void release(const std::string& cidr);
  // True when `cidr` parses as this set's address family.
  bool same_family(const std::string& cidr) const;

 private:
  std::optional<std::size_t> index_of(const std::string& cidr) const;
  std::string subnet(std::size_t index) const;

  std::string cluster_cidr_;
  bool ipv6_ = false;
  unsigned __int128 base_ = 0;
  int cluster_mask_ = 0, node_mask_ = 0;
  std::vector<bool> used_;
  std::size_t used_count_ = 0;
  std::size_t next_candidate_ = 0;
};

// "a,b" -> {"a","b"}, spaces trimmed, empty entries dropped.
std::vector<std::string> split_cidrs(const std::string& text);

}  // namespace k3s::controllers::core
