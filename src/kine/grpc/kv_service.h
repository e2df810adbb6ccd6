// etcd KV service (Range, Put, DeleteRange, Txn, Compact) over a Store.
#pragma once

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "kine/store.h"
#include "member_identity.h"

namespace k3s::kine::grpcserver {

class KvService final : public ::etcdserverpb::KV::Service {
 public:
  KvService(Store& store, const MemberIdentity& identity) : store_(store), identity_(identity) {}

  grpc::Status Range(grpc::ServerContext*, const ::etcdserverpb::RangeRequest*, ::etcdserverpb::RangeResponse*) override;
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
