// etcd Watch service: one bidirectional stream carries many watches; each maps to one
// Store watch whose batches are queued and written in order.
#pragma once

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "kine/store.h"
#include "member_identity.h"

namespace k3s::kine::grpcserver {

class WatchService final : public ::etcdserverpb::Watch::CallbackService {
 public:
  WatchService(Store& store, const MemberIdentity& identity) : store_(store), identity_(identity) {}

  grpc::ServerBidiReactor<::etcdserverpb::WatchRequest, ::etcdserverpb::WatchResponse>* Watch(
      grpc::CallbackServerContext* context) override;

 private:
  Store& store_;
  const MemberIdentity& identity_;
};

}  // namespace k3s::kine::grpcserver
