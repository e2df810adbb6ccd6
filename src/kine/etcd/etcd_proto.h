// Translation between the Store's request/response structs and etcd's v3 wire messages,
// in both directions: the gRPC server decodes requests and encodes responses, the etcd
// pass-through store does the reverse.
#pragma once

#include <grpcpp/support/status.h>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "kine/store.h"

namespace k3s::kine::etcdpb {

namespace pb = ::etcdserverpb;
namespace mvcc = ::mvccpb;

void to_proto(const KeyValue& kv, mvcc::KeyValue* out);
KeyValue from_proto(const mvcc::KeyValue& kv);
void to_proto(const Event& event, mvcc::Event* out);
Event from_proto(const mvcc::Event& event);

// Requests: server side decodes, client side encodes.
RangeRequest from_proto(const pb::RangeRequest& req);
PutRequest from_proto(const pb::PutRequest& req);
DeleteRangeRequest from_proto(const pb::DeleteRangeRequest& req);
TxnRequest from_proto(const pb::TxnRequest& req);
Compare from_proto(const pb::Compare& compare);
void to_proto(const RangeRequest& req, pb::RangeRequest* out);
void to_proto(const PutRequest& req, pb::PutRequest* out);
void to_proto(const DeleteRangeRequest& req, pb::DeleteRangeRequest* out);
void to_proto(const TxnRequest& req, pb::TxnRequest* out);
void to_proto(const Compare& compare, pb::Compare* out);

// Responses: server side encodes (header filled by the caller), client side decodes.
void to_proto(const RangeResponse& resp, pb::RangeResponse* out);
void to_proto(const PutResponse& resp, pb::PutResponse* out);
void to_proto(const DeleteRangeResponse& resp, pb::DeleteRangeResponse* out);
void to_proto(const TxnResponse& resp, pb::TxnResponse* out);
RangeResponse from_proto(const pb::RangeResponse& resp);
PutResponse from_proto(const pb::PutResponse& resp);
DeleteRangeResponse from_proto(const pb::DeleteRangeResponse& resp);
TxnResponse from_proto(const pb::TxnResponse& resp);

// etcd's error texts (rpctypes); clients such as etcdctl recognise errors by them.
inline constexpr const char* kErrCompacted = "etcdserver: mvcc: required revision has been compacted";
inline constexpr const char* kErrFutureRev = "etcdserver: mvcc: required revision is a future revision";
inline constexpr const char* kErrTooLarge = "etcdserver: request is too large";
inline constexpr const char* kErrLeaseNotFound = "etcdserver: requested lease not found";
inline constexpr const char* kErrEmptyKey = "etcdserver: key is not provided";

// StoreError -> the gRPC status a real etcd would return for the same condition.
grpc::Status to_grpc_status(const StoreError& error);
// gRPC status from an etcd server -> StoreError (the inverse of to_grpc_status).
StoreError from_grpc_status(const grpc::Status& status);

}  // namespace k3s::kine::etcdpb
