// etcd KV service (Range, Put, DeleteRange, Txn, Compact) over a Store.
#pragma once

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "kine/store.h"
#include "member_identity.h"

namespace k3s::kine::grpcserver {

// Range is served on gRPC's callback path: most reads are answered from memory, and the
// sync path's hand-off to a request thread would cost more than the read itself.
// Writes wait for a commit and stay on the sync path's own threads.
class KvService final : public ::etcdserverpb::KV::WithCallbackMethod_Range<::etcdserverpb::KV::Service> {
 public:
  KvService(Store& store, const MemberIdentity& identity) : store_(store), identity_(identity) {}

  grpc::ServerUnaryReactor* Range(grpc::CallbackServerContext*, const ::etcdserverpb::RangeRequest*,
                                  ::etcdserverpb::RangeResponse*) override;
  grpc::Status Put(grpc::ServerContext*, const ::etcdserverpb::PutRequest*, ::etcdserverpb::PutResponse*) override;
  grpc::Status DeleteRange(grpc::ServerContext*, const ::etcdserverpb::DeleteRangeRequest*,
                           ::etcdserverpb::DeleteRangeResponse*) override;
  grpc::Status Txn(grpc::ServerContext*, const ::etcdserverpb::TxnRequest*, ::etcdserverpb::TxnResponse*) override;
  grpc::Status Compact(grpc::ServerContext*, const ::etcdserverpb::CompactionRequest*,
                       ::etcdserverpb::CompactionResponse*) override;

 private:
  Store& store_;
  const MemberIdentity& identity_;
};

// Range with what the Store leaves to the API layer: sorting and min/max revision filters.
RangeResponse range_with_options(Store& store, const ::etcdserverpb::RangeRequest& request);

}  // namespace k3s::kine::grpcserver
