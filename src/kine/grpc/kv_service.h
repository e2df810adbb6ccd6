// etcd KV service (Range, Put, DeleteRange, Txn, Compact) over a Store.
#pragma once

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "kine/store.h"
#include "member_identity.h"

namespace k3s::kine::grpcserver {

// Range and the writes are served on gRPC's callback path: most reads are answered from
// memory, and the sync path's hand-off to a request thread would cost more than the read
// itself; a write is queued for the group-commit writer, which answers it after the
// commit, so no request thread is parked per write in flight.
using KvCallbackBase = ::etcdserverpb::KV::WithCallbackMethod_Range<::etcdserverpb::KV::WithCallbackMethod_Put<
    ::etcdserverpb::KV::WithCallbackMethod_DeleteRange<::etcdserverpb::KV::WithCallbackMethod_Txn<::etcdserverpb::KV::Service>>>>;

class KvService final : public KvCallbackBase {
 public:
  KvService(Store& store, const MemberIdentity& identity) : store_(store), identity_(identity) {}

  grpc::ServerUnaryReactor* Range(grpc::CallbackServerContext*, const ::etcdserverpb::RangeRequest*,
                                  ::etcdserverpb::RangeResponse*) override;
  grpc::ServerUnaryReactor* Put(grpc::CallbackServerContext*, const ::etcdserverpb::PutRequest*,
                                ::etcdserverpb::PutResponse*) override;
  grpc::ServerUnaryReactor* DeleteRange(grpc::CallbackServerContext*, const ::etcdserverpb::DeleteRangeRequest*,
                                        ::etcdserverpb::DeleteRangeResponse*) override;
  grpc::ServerUnaryReactor* Txn(grpc::CallbackServerContext*, const ::etcdserverpb::TxnRequest*,
                                ::etcdserverpb::TxnResponse*) override;
  grpc::Status Compact(grpc::ServerContext*, const ::etcdserverpb::CompactionRequest*,
                       ::etcdserverpb::CompactionResponse*) override;

 private:
  Store& store_;
  const MemberIdentity& identity_;
};

// Range with what the Store leaves to the API layer: sorting and min/max revision filters.
RangeResponse range_with_options(Store& store, const ::etcdserverpb::RangeRequest& request);

}  // namespace k3s::kine::grpcserver
