#include "etcd_proto.h"

#include <string_view>

namespace k3s::kine::etcdpb {

void to_proto(const KeyValue& kv, mvcc::KeyValue* out) {
  out->set_key(kv.key);
  out->set_value(kv.value);
  out->set_create_revision(kv.create_revision);
  out->set_mod_revision(kv.mod_revision);
  out->set_version(kv.version);
  out->set_lease(kv.lease);
}

KeyValue from_proto(const mvcc::KeyValue& kv) {
  return KeyValue{kv.key(), kv.value(), kv.create_revision(), kv.mod_revision(), kv.version(), kv.lease()};
}

void to_proto(const Event& event, mvcc::Event* out) {
  out->set_type(event.type == Event::Type::put ? mvcc::Event::PUT : mvcc::Event::DELETE);
  to_proto(event.kv, out->mutable_kv());
  if (event.prev_kv) to_proto(*event.prev_kv, out->mutable_prev_kv());
}

Event from_proto(const mvcc::Event& event) {
  Event out;
  out.type = event.type() == mvcc::Event::DELETE ? Event::Type::del : Event::Type::put;
  out.kv = from_proto(event.kv());
  if (event.has_prev_kv()) out.prev_kv = from_proto(event.prev_kv());
  return out;
}

RangeRequest from_proto(const pb::RangeRequest& req) {
  RangeRequest out;
  out.key = req.key();
  out.range_end = req.range_end();
  out.revision = req.revision();
  out.limit = req.limit();
  out.keys_only = req.keys_only();
  out.count_only = req.count_only();
  return out;
}

PutRequest from_proto(const pb::PutRequest& req) {
  PutRequest out;
  out.key = req.key();
  out.value = req.value();
  out.lease = req.lease();
  out.prev_kv = req.prev_kv();
  out.ignore_value = req.ignore_value();
  out.ignore_lease = req.ignore_lease();
  return out;
}

DeleteRangeRequest from_proto(const pb::DeleteRangeRequest& req) {
  return DeleteRangeRequest{req.key(), req.range_end(), req.prev_kv()};
}

Compare from_proto(const pb::Compare& compare) {
  Compare out;
  out.key = compare.key();
  out.range_end = compare.range_end();
  switch (compare.result()) {
    case pb::Compare::GREATER: out.result = Compare::Result::greater; break;
    case pb::Compare::LESS: out.result = Compare::Result::less; break;
    case pb::Compare::NOT_EQUAL: out.result = Compare::Result::not_equal; break;
    default: out.result = Compare::Result::equal; break;
  }
  switch (compare.target()) {
    case pb::Compare::VERSION:
      out.target = Compare::Target::version;
      out.number = compare.version();
      break;
    case pb::Compare::CREATE:
      out.target = Compare::Target::create_revision;
      out.number = compare.create_revision();
      break;
    case pb::Compare::MOD:
      out.target = Compare::Target::mod_revision;
      out.number = compare.mod_revision();
      break;
    case pb::Compare::VALUE:
      out.target = Compare::Target::value;
      out.value = compare.value();
      break;
    case pb::Compare::LEASE:
      out.target = Compare::Target::lease;
      out.number = compare.lease();
      break;
    default:
      throw StoreError(Errc::invalid_argument, "etcdserver: unknown compare target");
  }
  return out;
}

namespace {

RequestOp request_op_from_proto(const pb::RequestOp& op) {
  switch (op.request_case()) {
    case pb::RequestOp::kRequestRange: return from_proto(op.request_range());
    case pb::RequestOp::kRequestPut: return from_proto(op.request_put());
    case pb::RequestOp::kRequestDeleteRange: return from_proto(op.request_delete_range());
    case pb::RequestOp::kRequestTxn: return std::make_shared<TxnRequest>(from_proto(op.request_txn()));
    default: throw StoreError(Errc::invalid_argument, "etcdserver: txn operation has no request");
  }
}

void request_op_to_proto(const RequestOp& op, pb::RequestOp* out) {
  if (auto* r = std::get_if<RangeRequest>(&op)) {
    to_proto(*r, out->mutable_request_range());
  } else if (auto* p = std::get_if<PutRequest>(&op)) {
    to_proto(*p, out->mutable_request_put());
  } else if (auto* d = std::get_if<DeleteRangeRequest>(&op)) {
    to_proto(*d, out->mutable_request_delete_range());
  } else if (auto* t = std::get_if<std::shared_ptr<TxnRequest>>(&op); t && *t) {
    to_proto(**t, out->mutable_request_txn());
  }
}

void response_op_to_proto(const ResponseOp& op, pb::ResponseOp* out) {
  if (auto* r = std::get_if<RangeResponse>(&op)) {
    to_proto(*r, out->mutable_response_range());
  } else if (auto* p = std::get_if<PutResponse>(&op)) {
    to_proto(*p, out->mutable_response_put());
  } else if (auto* d = std::get_if<DeleteRangeResponse>(&op)) {
    to_proto(*d, out->mutable_response_delete_range());
  } else if (auto* t = std::get_if<std::shared_ptr<TxnResponse>>(&op); t && *t) {
    to_proto(**t, out->mutable_response_txn());
  }
}

ResponseOp response_op_from_proto(const pb::ResponseOp& op) {
  switch (op.response_case()) {
    case pb::ResponseOp::kResponseRange: return from_proto(op.response_range());
    case pb::ResponseOp::kResponsePut: return from_proto(op.response_put());
    case pb::ResponseOp::kResponseDeleteRange: return from_proto(op.response_delete_range());
    case pb::ResponseOp::kResponseTxn: return std::make_shared<TxnResponse>(from_proto(op.response_txn()));
    default: return RangeResponse{};
  }
}

}  // namespace

TxnRequest from_proto(const pb::TxnRequest& req) {
  TxnRequest out;
  for (const auto& c : req.compare()) out.compare.push_back(from_proto(c));
  for (const auto& op : req.success()) out.success.push_back(request_op_from_proto(op));
  for (const auto& op : req.failure()) out.failure.push_back(request_op_from_proto(op));
  return out;
}

void to_proto(const RangeRequest& req, pb::RangeRequest* out) {
  out->set_key(req.key);
  out->set_range_end(req.range_end);
  out->set_revision(req.revision);
  out->set_limit(req.limit);
  out->set_keys_only(req.keys_only);
  out->set_count_only(req.count_only);
}

void to_proto(const PutRequest& req, pb::PutRequest* out) {
  out->set_key(req.key);
  out->set_value(req.value);
  out->set_lease(req.lease);
  out->set_prev_kv(req.prev_kv);
  out->set_ignore_value(req.ignore_value);
  out->set_ignore_lease(req.ignore_lease);
}

void to_proto(const DeleteRangeRequest& req, pb::DeleteRangeRequest* out) {
  out->set_key(req.key);
  out->set_range_end(req.range_end);
  out->set_prev_kv(req.prev_kv);
}

void to_proto(const Compare& compare, pb::Compare* out) {
  out->set_key(compare.key);
  out->set_range_end(compare.range_end);
  switch (compare.result) {
    case Compare::Result::equal: out->set_result(pb::Compare::EQUAL); break;
    case Compare::Result::greater: out->set_result(pb::Compare::GREATER); break;
    case Compare::Result::less: out->set_result(pb::Compare::LESS); break;
    case Compare::Result::not_equal: out->set_result(pb::Compare::NOT_EQUAL); break;
  }
  switch (compare.target) {
    case Compare::Target::version:
      out->set_target(pb::Compare::VERSION);
      out->set_version(compare.number);
      break;
    case Compare::Target::create_revision:
      out->set_target(pb::Compare::CREATE);
      out->set_create_revision(compare.number);
      break;
    case Compare::Target::mod_revision:
      out->set_target(pb::Compare::MOD);
      out->set_mod_revision(compare.number);
      break;
    case Compare::Target::value:
      out->set_target(pb::Compare::VALUE);
      out->set_value(compare.value);
      break;
    case Compare::Target::lease:
      out->set_target(pb::Compare::LEASE);
      out->set_lease(compare.number);
      break;
  }
}

void to_proto(const TxnRequest& req, pb::TxnRequest* out) {
  for (const auto& c : req.compare) to_proto(c, out->add_compare());
  for (const auto& op : req.success) request_op_to_proto(op, out->add_success());
  for (const auto& op : req.failure) request_op_to_proto(op, out->add_failure());
}

void to_proto(const RangeResponse& resp, pb::RangeResponse* out) {
  out->mutable_header()->set_revision(resp.revision);
  out->mutable_kvs()->Reserve(static_cast<int>(resp.kvs.size()));
  for (const auto& kv : resp.kvs) to_proto(kv, out->add_kvs());
  out->set_more(resp.more);
  out->set_count(resp.count);
}

void to_proto(const PutResponse& resp, pb::PutResponse* out) {
  out->mutable_header()->set_revision(resp.revision);
  if (resp.prev_kv) to_proto(*resp.prev_kv, out->mutable_prev_kv());
}

void to_proto(const DeleteRangeResponse& resp, pb::DeleteRangeResponse* out) {
  out->mutable_header()->set_revision(resp.revision);
  out->set_deleted(resp.deleted);
  for (const auto& kv : resp.prev_kvs) to_proto(kv, out->add_prev_kvs());
}

void to_proto(const TxnResponse& resp, pb::TxnResponse* out) {
  out->mutable_header()->set_revision(resp.revision);
  out->set_succeeded(resp.succeeded);
  for (const auto& op : resp.responses) response_op_to_proto(op, out->add_responses());
}

RangeResponse from_proto(const pb::RangeResponse& resp) {
  RangeResponse out;
  out.revision = resp.header().revision();
  out.kvs.reserve(resp.kvs_size());
  for (const auto& kv : resp.kvs()) out.kvs.push_back(from_proto(kv));
  out.more = resp.more();
  out.count = resp.count();
  return out;
}

PutResponse from_proto(const pb::PutResponse& resp) {
  PutResponse out;
  out.revision = resp.header().revision();
  if (resp.has_prev_kv()) out.prev_kv = from_proto(resp.prev_kv());
  return out;
}

DeleteRangeResponse from_proto(const pb::DeleteRangeResponse& resp) {
  DeleteRangeResponse out;
  out.revision = resp.header().revision();
  out.deleted = resp.deleted();
  for (const auto& kv : resp.prev_kvs()) out.prev_kvs.push_back(from_proto(kv));
  return out;
}

TxnResponse from_proto(const pb::TxnResponse& resp) {
  TxnResponse out;
  out.revision = resp.header().revision();
  out.succeeded = resp.succeeded();
  for (const auto& op : resp.responses()) out.responses.push_back(response_op_from_proto(op));
  return out;
}

namespace {

bool starts_with_etcdserver(const std::string& message) {
  return std::string_view(message).starts_with("etcdserver:");
}

}  // namespace

grpc::Status to_grpc_status(const StoreError& error) {
  const std::string message = error.what();
  switch (error.code()) {
    case Errc::compacted: return {grpc::StatusCode::OUT_OF_RANGE, kErrCompacted};
    case Errc::future_revision: return {grpc::StatusCode::OUT_OF_RANGE, kErrFutureRev};
    case Errc::too_large: return {grpc::StatusCode::INVALID_ARGUMENT, kErrTooLarge};
    case Errc::lease_not_found: return {grpc::StatusCode::NOT_FOUND, kErrLeaseNotFound};
    case Errc::invalid_argument:
      return {grpc::StatusCode::INVALID_ARGUMENT,
              starts_with_etcdserver(message) ? message : "etcdserver: " + message};
    case Errc::unavailable: return {grpc::StatusCode::UNAVAILABLE, "etcdserver: " + message};
    case Errc::internal: break;
  }
  return {grpc::StatusCode::INTERNAL, "etcdserver: " + message};
}

StoreError from_grpc_status(const grpc::Status& status) {
  const std::string& message = status.error_message();
  auto contains = [&](const char* text) { return message.find(text) != std::string::npos; };
  if (contains("required revision has been compacted")) return {Errc::compacted, kErrCompacted};
  if (contains("required revision is a future revision")) return {Errc::future_revision, kErrFutureRev};
  if (contains("request is too large")) return {Errc::too_large, kErrTooLarge};
  if (contains("requested lease not found")) return {Errc::lease_not_found, kErrLeaseNotFound};
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return {Errc::invalid_argument, message};
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
      return {Errc::unavailable, "etcd unavailable: " + message};
    default:
      return {Errc::internal, "etcd error (" + std::to_string(status.error_code()) + "): " + message};
  }
}

}  // namespace k3s::kine::etcdpb
