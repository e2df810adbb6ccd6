// Runs a request handler and turns any failure into the gRPC status etcd would send:
// a bad request or a failing datastore never escapes as an exception.
#pragma once

#include <exception>

#include <grpcpp/support/status.h>
#include <spdlog/spdlog.h>

#include "etcd_proto.h"
#include "kine/store.h"

namespace k3s::kine::grpcserver {

inline grpc::Status status_of(std::exception_ptr failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const StoreError& error) {
    if (error.code() == Errc::internal || error.code() == Errc::unavailable) {
      spdlog::warn("kine: request failed: {}", error.what());
    }
    return etcdpb::to_grpc_status(error);
  } catch (const std::exception& error) {
    spdlog::error("kine: request failed unexpectedly: {}", error.what());
    return {grpc::StatusCode::INTERNAL, std::string("etcdserver: ") + error.what()};
  }
}

template <class Handler>
grpc::Status guarded_call(Handler&& handler) {
  try {
    handler();
    return grpc::Status::OK;
  } catch (...) {
    return status_of(std::current_exception());
  }
}

}  // namespace k3s::kine::grpcserver
