#include "member_identity.h"

#include <unistd.h>

namespace k3s::kine::grpcserver {

namespace {

uint64_t fnv1a(const std::string& text, uint64_t seed) {
  uint64_t hash = 1469598103934665603ull ^ seed;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace

MemberIdentity MemberIdentity::for_listen_address(const std::string& listen_address, bool tls) {
  MemberIdentity identity;
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  identity.name = host[0] ? host : "kine";
  if (listen_address.rfind("unix:", 0) == 0) {
    identity.client_url = listen_address;
  } else {
    identity.client_url = std::string(tls ? "https://" : "http://") + listen_address;
  }
  identity.member_id = fnv1a(identity.name + "|" + identity.client_url, 1);
  identity.cluster_id = fnv1a(identity.client_url, 2);
  return identity;
}

void MemberIdentity::fill(::etcdserverpb::ResponseHeader* header, int64_t revision) const {
  header->set_cluster_id(cluster_id);
  header->set_member_id(member_id);
  header->set_revision(revision);
  header->set_raft_term(1);
}

}  // namespace k3s::kine::grpcserver
