#include "lease_service.h"

#include "guarded_call.h"

namespace k3s::kine::grpcserver {

namespace pb = ::etcdserverpb;

grpc::Status LeaseService::LeaseGrant(grpc::ServerContext*, const pb::LeaseGrantRequest* request,
                                      pb::LeaseGrantResponse* response) {
  return guarded_call([&] {
    int64_t id = store_.lease_grant(request->ttl(), request->id());
    response->set_id(id);
    response->set_ttl(request->ttl());
    identity_.fill(response->mutable_header(), store_.current_revision());
  });
}

grpc::Status LeaseService::LeaseRevoke(grpc::ServerContext*, const pb::LeaseRevokeRequest* request,
                                       pb::LeaseRevokeResponse* response) {
  return guarded_call([&] {
    store_.lease_revoke(request->id());
    identity_.fill(response->mutable_header(), store_.current_revision());
  });
}

grpc::Status LeaseService::LeaseKeepAlive(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<pb::LeaseKeepAliveResponse, pb::LeaseKeepAliveRequest>* stream) {
  pb::LeaseKeepAliveRequest request;
  while (!context->IsCancelled() && stream->Read(&request)) {
    pb::LeaseKeepAliveResponse response;
    response.set_id(request.id());
    grpc::Status status = guarded_call([&] {
      try {
        response.set_ttl(store_.lease_keep_alive(request.id()));
      } catch (const StoreError& error) {
        // etcd answers a keep-alive of an unknown lease with TTL 0 rather than an error.
        if (error.code() != Errc::lease_not_found) throw;
        response.set_ttl(0);
      }
      identity_.fill(response.mutable_header(), store_.current_revision());
    });
    if (!status.ok()) return status;
    if (!stream->Write(response)) break;
  }
  return grpc::Status::OK;
}

grpc::Status LeaseService::LeaseTimeToLive(grpc::ServerContext*, const pb::LeaseTimeToLiveRequest* request,
                                           pb::LeaseTimeToLiveResponse* response) {
  return guarded_call([&] {
    response->set_id(request->id());
    try {
      LeaseInfo info = store_.lease_time_to_live(request->id(), request->keys());
      response->set_ttl(info.ttl);
      response->set_grantedttl(info.ttl < 0 ? 0 : info.granted_ttl);
      for (auto& key : info.keys) response->add_keys(std::move(key));
    } catch (const StoreError& error) {
      // Like etcd: an unknown lease is reported as TTL -1, not as an error.
      if (error.code() != Errc::lease_not_found) throw;
      response->set_ttl(-1);
    }
    identity_.fill(response->mutable_header(), store_.current_revision());
  });
}

grpc::Status LeaseService::LeaseLeases(grpc::ServerContext*, const pb::LeaseLeasesRequest*,
                                       pb::LeaseLeasesResponse* response) {
  return guarded_call([&] {
    for (int64_t id : store_.leases()) response->add_leases()->set_id(id);
    identity_.fill(response->mutable_header(), store_.current_revision());
  });
}

}  // namespace k3s::kine::grpcserver
