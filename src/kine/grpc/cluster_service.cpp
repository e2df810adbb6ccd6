#include "cluster_service.h"

#include "guarded_call.h"

namespace k3s::kine::grpcserver {

namespace pb = ::etcdserverpb;

grpc::Status MaintenanceService::Status(grpc::ServerContext*, const pb::StatusRequest*, pb::StatusResponse* response) {
  return guarded_call([&] {
    StoreStatus status = store_.status();
    identity_.fill(response->mutable_header(), status.revision);
    response->set_version(kEtcdApiVersion);
    response->set_dbsize(status.db_size_bytes);
    response->set_dbsizeinuse(status.db_size_bytes);
    response->set_leader(identity_.member_id);
    // No raft here: every revision is one committed and applied log entry.
    response->set_raftindex(static_cast<uint64_t>(status.revision));
    response->set_raftappliedindex(static_cast<uint64_t>(status.revision));
    response->set_raftterm(1);
  });
}

grpc::Status MaintenanceService::Alarm(grpc::ServerContext*, const pb::AlarmRequest* request,
                                       pb::AlarmResponse* response) {
  if (request->action() != pb::AlarmRequest::GET) {
    return {grpc::StatusCode::UNIMPLEMENTED, "etcdserver: alarms cannot be raised or cleared on kine"};
  }
  // There is no space quota or corruption check that could raise one: the list is empty.
  return guarded_call([&] { identity_.fill(response->mutable_header(), store_.current_revision()); });
}

grpc::Status ClusterService::MemberList(grpc::ServerContext*, const pb::MemberListRequest*,
                                        pb::MemberListResponse* response) {
  return guarded_call([&] {
    auto* member = response->add_members();
    member->set_id(identity_.member_id);
    member->set_name(identity_.name);
    member->add_peerurls(identity_.client_url);
    member->add_clienturls(identity_.client_url);
    identity_.fill(response->mutable_header(), store_.current_revision());
  });
}

}  // namespace k3s::kine::grpcserver
