// etcd Watch service: one bidirectional stream carries many watches; each maps to one
// Store watch whose batches are queued and written in order. Registered raw (byte
// buffers), so a response fanned out to many watches is encoded once (WatchEncoder).
#pragma once

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "kine/store.h"
#include "member_identity.h"
#include "watch_encoder.h"
#include "write_turns.h"

namespace k3s::kine::grpcserver {

class WatchService final : public ::etcdserverpb::Watch::WithRawCallbackMethod_Watch<::etcdserverpb::Watch::Service> {
 public:
  WatchService(Store& store, const MemberIdentity& identity) : store_(store), identity_(identity), encoder_(identity) {}

  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Watch(grpc::CallbackServerContext* context) override;

 private:
  Store& store_;
  const MemberIdentity& identity_;
  WatchEncoder encoder_;
  WriteTurns turns_;
};

}  // namespace k3s::kine::grpcserver
