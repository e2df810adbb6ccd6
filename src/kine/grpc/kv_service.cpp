#include "kv_service.h"

#include <algorithm>

#include "etcd_proto.h"
#include "guarded_call.h"

namespace k3s::kine::grpcserver {

namespace pb = ::etcdserverpb;
using etcdpb::from_proto;
using etcdpb::to_proto;

namespace {

void require_key(const std::string& key) {
  if (key.empty()) throw StoreError(Errc::invalid_argument, etcdpb::kErrEmptyKey);
}

void validate(const pb::TxnRequest& txn) {
  for (const auto& c : txn.compare()) require_key(c.key());
  for (const auto* ops : {&txn.success(), &txn.failure()}) {
    for (const auto& op : *ops) {
      switch (op.request_case()) {
        case pb::RequestOp::kRequestRange: require_key(op.request_range().key()); break;
        case pb::RequestOp::kRequestPut: require_key(op.request_put().key()); break;
        case pb::RequestOp::kRequestDeleteRange: require_key(op.request_delete_range().key()); break;
        case pb::RequestOp::kRequestTxn: validate(op.request_txn()); break;
        default: break;
      }
    }
  }
}

bool needs_post_processing(const pb::RangeRequest& r) {
  bool key_order = r.sort_order() == pb::RangeRequest::NONE ||
                   (r.sort_order() == pb::RangeRequest::ASCEND && r.sort_target() == pb::RangeRequest::KEY);
  return !key_order || r.min_mod_revision() || r.max_mod_revision() || r.min_create_revision() ||
         r.max_create_revision();
}

bool passes_filters(const KeyValue& kv, const pb::RangeRequest& r) {
  if (r.min_mod_revision() && kv.mod_revision < r.min_mod_revision()) return false;
  if (r.max_mod_revision() && kv.mod_revision > r.max_mod_revision()) return false;
  if (r.min_create_revision() && kv.create_revision < r.min_create_revision()) return false;
  if (r.max_create_revision() && kv.create_revision > r.max_create_revision()) return false;
  return true;
}

void sort_kvs(std::vector<KeyValue>& kvs, const pb::RangeRequest& r) {
  auto key_of = [&](const KeyValue& kv) -> std::variant<int64_t, const std::string*> {
    switch (r.sort_target()) {
      case pb::RangeRequest::VERSION: return kv.version;
      case pb::RangeRequest::CREATE: return kv.create_revision;
      case pb::RangeRequest::MOD: return kv.mod_revision;
      case pb::RangeRequest::VALUE: return &kv.value;
      default: return &kv.key;
    }
  };
  auto less = [&](const KeyValue& a, const KeyValue& b) {
    auto ka = key_of(a), kb = key_of(b);
    if (auto* ia = std::get_if<int64_t>(&ka)) return *ia < std::get<int64_t>(kb);
    return *std::get<const std::string*>(ka) < *std::get<const std::string*>(kb);
  };
  if (r.sort_order() == pb::RangeRequest::DESCEND) {
    std::stable_sort(kvs.begin(), kvs.end(), [&](const KeyValue& a, const KeyValue& b) { return less(b, a); });
  } else if (r.sort_order() == pb::RangeRequest::ASCEND) {
    std::stable_sort(kvs.begin(), kvs.end(), less);
  }
}

}  // namespace

RangeResponse range_with_options(Store& store, const pb::RangeRequest& request) {
  require_key(request.key());
  RangeRequest req = from_proto(request);
  if (!needs_post_processing(request)) return store.range(req);

  // Sorting or filtering needs the whole range; count stays the unfiltered total like etcd.
  req.limit = 0;
  bool count_only = req.count_only;
  req.count_only = false;
  RangeResponse resp = store.range(req);
  std::erase_if(resp.kvs, [&](const KeyValue& kv) { return !passes_filters(kv, request); });
  sort_kvs(resp.kvs, request);
  if (request.limit() > 0 && static_cast<int64_t>(resp.kvs.size()) > request.limit()) {
    resp.kvs.resize(static_cast<std::size_t>(request.limit()));
    resp.more = true;
  } else {
    resp.more = false;
  }
  if (count_only) resp.kvs.clear();
  return resp;
}

grpc::ServerUnaryReactor* KvService::Range(grpc::CallbackServerContext* context, const pb::RangeRequest* request,
                                           pb::RangeResponse* response) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(guarded_call([&] {
    to_proto(range_with_options(store_, *request), response);
    identity_.fill(response->mutable_header(), response->header().revision());
  }));
  return reactor;
}

namespace {

// Validates on the calling thread, then lets the store answer: `answer` turns the store's
// response into the gRPC one on whichever thread the store calls back on.
template <class Validate, class Start, class Answer>
grpc::ServerUnaryReactor* start_write(grpc::CallbackServerContext* context, Validate&& validate, Start&& start,
                                      Answer answer) {
  auto* reactor = context->DefaultReactor();
  grpc::Status invalid = guarded_call(validate);
  if (!invalid.ok()) {
    reactor->Finish(invalid);
    return reactor;
  }
  grpc::Status not_started = guarded_call([&] {
    // Once `start` hands the callback to the store, the store always calls it; it throws
    // only before that (converting the request).
    start([reactor, answer = std::move(answer)](auto&& response, std::exception_ptr failure) {
      reactor->Finish(failure ? status_of(failure) : guarded_call([&] { answer(response); }));
    });
  });
  if (!not_started.ok()) reactor->Finish(not_started);
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* KvService::Put(grpc::CallbackServerContext* context, const pb::PutRequest* request,
                                         pb::PutResponse* response) {
  return start_write(
      context,
      [&] {
        require_key(request->key());
        if (request->value().size() > kMaxValueBytes) throw StoreError(Errc::too_large, etcdpb::kErrTooLarge);
      },
      [&](WriteDone<PutResponse> done) { store_.put_async(from_proto(*request), std::move(done)); },
      [this, response](const PutResponse& result) {
        to_proto(result, response);
        identity_.fill(response->mutable_header(), response->header().revision());
      });
}

grpc::ServerUnaryReactor* KvService::DeleteRange(grpc::CallbackServerContext* context,
                                                 const pb::DeleteRangeRequest* request,
                                                 pb::DeleteRangeResponse* response) {
  return start_write(
      context, [&] { require_key(request->key()); },
      [&](WriteDone<DeleteRangeResponse> done) { store_.delete_range_async(from_proto(*request), std::move(done)); },
      [this, response](const DeleteRangeResponse& result) {
        to_proto(result, response);
        identity_.fill(response->mutable_header(), response->header().revision());
      });
}

namespace {

void fill_headers(pb::TxnResponse* response, const MemberIdentity& identity) {
  identity.fill(response->mutable_header(), response->header().revision());
  for (auto& op : *response->mutable_responses()) {
    switch (op.response_case()) {
      case pb::ResponseOp::kResponseRange:
        identity.fill(op.mutable_response_range()->mutable_header(), op.response_range().header().revision());
        break;
      case pb::ResponseOp::kResponsePut:
        identity.fill(op.mutable_response_put()->mutable_header(), op.response_put().header().revision());
        break;
      case pb::ResponseOp::kResponseDeleteRange:
        identity.fill(op.mutable_response_delete_range()->mutable_header(),
                      op.response_delete_range().header().revision());
        break;
      case pb::ResponseOp::kResponseTxn: fill_headers(op.mutable_response_txn(), identity); break;
      default: break;
    }
  }
}

}  // namespace

grpc::ServerUnaryReactor* KvService::Txn(grpc::CallbackServerContext* context, const pb::TxnRequest* request,
                                         pb::TxnResponse* response) {
  return start_write(
      context, [&] { validate(*request); },
      [&](WriteDone<TxnResponse> done) { store_.txn_async(from_proto(*request), std::move(done)); },
      [this, response](const TxnResponse& result) {
        to_proto(result, response);
        fill_headers(response, identity_);
      });
}

grpc::Status KvService::Compact(grpc::ServerContext*, const pb::CompactionRequest* request,
                                pb::CompactionResponse* response) {
  return guarded_call([&] {
    store_.compact(request->revision());
    identity_.fill(response->mutable_header(), store_.current_revision());
  });
}

}  // namespace k3s::kine::grpcserver
