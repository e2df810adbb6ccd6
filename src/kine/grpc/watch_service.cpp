#include "watch_service.h"

#include "watch_stream.h"

namespace k3s::kine::grpcserver {

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* WatchService::Watch(grpc::CallbackServerContext*) {
  return new WatchStream(store_, identity_, encoder_, turns_);
}

}  // namespace k3s::kine::grpcserver
