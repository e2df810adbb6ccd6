// The set of etcd members a pass-through store talks to, with failover: calls go to the
// current member; when it is unreachable the next one takes over.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "kine/store.h"

namespace k3s::kine::etcdpb {

struct EtcdEndpoint {
  std::string url;  // as configured, e.g. https://10.0.0.1:2379
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<::etcdserverpb::KV::Stub> kv;
  std::unique_ptr<::etcdserverpb::Watch::Stub> watch;
  std::unique_ptr<::etcdserverpb::Lease::Stub> lease;
  std::unique_ptr<::etcdserverpb::Maintenance::Stub> maintenance;
};

// Splits "http://a:2379,https://b:2379" into host:port targets; throws
// StoreError(invalid_argument) naming the bad part.
struct ParsedEndpoint {
  std::string url;
  std::string target;  // host:port
  bool tls = false;
};
std::vector<ParsedEndpoint> parse_etcd_endpoints(const std::string& endpoint_list);

class EtcdEndpoints {
 public:
  explicit EtcdEndpoints(const StoreConfig& config);

  std::size_t size() const { return endpoints_.size(); }
  std::size_t current_index() const { return current_.load(); }
  EtcdEndpoint& at(std::size_t index) { return *endpoints_[index % endpoints_.size()]; }
  // Moves on from `index` (if it is still the current one) to the next member.
  void fail_over_from(std::size_t index);
  std::string urls() const;

  // Runs one unary call against the current member, moving to the next one on
  // UNAVAILABLE. A call that may already have reached a member (a write on a connected
  // channel) is not repeated, so nothing is applied twice.
  template <class Rpc>
  grpc::Status call(bool idempotent, Rpc&& rpc) {
    grpc::Status status;
    for (std::size_t attempt = 0; attempt < endpoints_.size(); ++attempt) {
      std::size_t index = current_.load();
      EtcdEndpoint& endpoint = at(index);
      bool was_connected = endpoint.channel->GetState(false) == GRPC_CHANNEL_READY;
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + call_timeout_);
      status = rpc(endpoint, context);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return status;
      fail_over_from(index);
      if (!idempotent && was_connected) return status;
    }
    return status;
  }

 private:
  std::vector<std::unique_ptr<EtcdEndpoint>> endpoints_;
  std::atomic<std::size_t> current_{0};
  std::chrono::seconds call_timeout_{30};
};

}  // namespace k3s::kine::etcdpb
