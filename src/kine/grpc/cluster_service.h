// etcd Maintenance (Status, Alarm) and Cluster (MemberList) services: kine presents
// itself as a healthy one-member cluster that is its own leader.
#pragma once

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "kine/store.h"
#include "member_identity.h"

namespace k3s::kine::grpcserver {

class MaintenanceService final : public ::etcdserverpb::Maintenance::Service {
 public:
  MaintenanceService(Store& store, const MemberIdentity& identity) : store_(store), identity_(identity) {}

  grpc::Status Status(grpc::ServerContext*, const ::etcdserverpb::StatusRequest*,
                      ::etcdserverpb::StatusResponse*) override;
  grpc::Status Alarm(grpc::ServerContext*, const ::etcdserverpb::AlarmRequest*,
                     ::etcdserverpb::AlarmResponse*) override;

 private:
  Store& store_;
  const MemberIdentity& identity_;
};

class ClusterService final : public ::etcdserverpb::Cluster::Service {
 public:
  ClusterService(Store& store, const MemberIdentity& identity) : store_(store), identity_(identity) {}

  grpc::Status MemberList(grpc::ServerContext*, const ::etcdserverpb::MemberListRequest*,
                          ::etcdserverpb::MemberListResponse*) override;

 private:
  Store& store_;
  const MemberIdentity& identity_;
};

}  // namespace k3s::kine::grpcserver
