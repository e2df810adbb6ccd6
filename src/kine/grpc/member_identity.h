// Who this single-member "cluster" claims to be in etcd response headers, endpoint status
// and member list: stable ids derived from the listen address, raft term 1, leader = self.
#pragma once

#include <cstdint>
#include <string>

#include "etcd/etcdserverpb/rpc.pb.h"

namespace k3s::kine::grpcserver {

// The etcd API version we implement (messages and semantics of etcd 3.4).
inline constexpr const char* kEtcdApiVersion = "3.4.0";

struct MemberIdentity {
  uint64_t cluster_id = 0;
  uint64_t member_id = 0;
  std::string name;
  std::string client_url;  // http(s)://host:port or unix:///path

  static MemberIdentity for_listen_address(const std::string& listen_address, bool tls);
  void fill(::etcdserverpb::ResponseHeader* header, int64_t revision) const;
};

}  // namespace k3s::kine::grpcserver
