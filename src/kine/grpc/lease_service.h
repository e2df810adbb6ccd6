// etcd Lease service over a Store.
#pragma once

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "kine/store.h"
#include "member_identity.h"

namespace k3s::kine::grpcserver {

class LeaseService final : public ::etcdserverpb::Lease::Service {
 public:
  LeaseService(Store& store, const MemberIdentity& identity) : store_(store), identity_(identity) {}

  grpc::Status LeaseGrant(grpc::ServerContext*, const ::etcdserverpb::LeaseGrantRequest*,
                          ::etcdserverpb::LeaseGrantResponse*) override;
  grpc::Status LeaseRevoke(grpc::ServerContext*, const ::etcdserverpb::LeaseRevokeRequest*,
                           ::etcdserverpb::LeaseRevokeResponse*) override;
  grpc::Status LeaseKeepAlive(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<::etcdserverpb::LeaseKeepAliveResponse, ::etcdserverpb::LeaseKeepAliveRequest>*) override;
  grpc::Status LeaseTimeToLive(grpc::ServerContext*, const ::etcdserverpb::LeaseTimeToLiveRequest*,
                               ::etcdserverpb::LeaseTimeToLiveResponse*) override;
  grpc::Status LeaseLeases(grpc::ServerContext*, const ::etcdserverpb::LeaseLeasesRequest*,
                           ::etcdserverpb::LeaseLeasesResponse*) override;

 private:
  Store& store_;
  const MemberIdentity& identity_;
};

}  // namespace k3s::kine::grpcserver
