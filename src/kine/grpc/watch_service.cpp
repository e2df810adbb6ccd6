#include "watch_service.h"

#include "watch_stream.h"

namespace k3s::kine::grpcserver {

grpc::ServerBidiReactor<::etcdserverpb::WatchRequest, ::etcdserverpb::WatchResponse>* WatchService::Watch(
    grpc::CallbackServerContext*) {
  return new WatchStream(store_, identity_);
}

}  // namespace k3s::kine::grpcserver
