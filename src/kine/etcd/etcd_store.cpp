#include "etcd_store.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "etcd_endpoints.h"
#include "etcd_proto.h"
#include "etcd_watch.h"

namespace k3s::kine {

namespace {

namespace pb = ::etcdserverpb;
using etcdpb::from_grpc_status;
using etcdpb::from_proto;
using etcdpb::to_proto;

void check_value_sizes(const PutRequest& put) {
  if (put.value.size() > kMaxValueBytes) throw StoreError(Errc::too_large, etcdpb::kErrTooLarge);
}

void check_value_sizes(const TxnRequest& txn) {
  for (const auto* ops : {&txn.success, &txn.failure}) {
    for (const auto& op : *ops) {
      if (auto* put = std::get_if<PutRequest>(&op)) check_value_sizes(*put);
      if (auto* nested = std::get_if<std::shared_ptr<TxnRequest>>(&op); nested && *nested) check_value_sizes(**nested);
    }
  }
}

bool txn_is_read_only(const TxnRequest& txn) {
  for (const auto* ops : {&txn.success, &txn.failure}) {
    for (const auto& op : *ops) {
      if (std::holds_alternative<PutRequest>(op) || std::holds_alternative<DeleteRangeRequest>(op)) return false;
      if (auto* nested = std::get_if<std::shared_ptr<TxnRequest>>(&op); nested && *nested && !txn_is_read_only(**nested))
        return false;
    }
  }
  return true;
}

// Store over a real etcd cluster: every call is one etcd RPC; etcd owns revisions,
// compaction and lease expiry.
class EtcdStore final : public Store {
 public:
  explicit EtcdStore(const StoreConfig& config)
      : endpoints_(std::make_shared<etcdpb::EtcdEndpoints>(config)),
        compact_interval_(config.compact_interval_seconds),
        compact_keep_(config.compact_keep_revisions) {}

  ~EtcdStore() override {
    {
      std::lock_guard lock(compactor_mutex_);
      stopping_ = true;
    }
    compactor_wake_.notify_all();
    if (compactor_.joinable()) compactor_.join();
  }

  // Like the SQL stores, keep only a window of history behind the current revision.
  void start_compactor() {
    if (compact_interval_.count() <= 0) return;
    compactor_ = std::thread([this] {
      std::unique_lock lock(compactor_mutex_);
      while (!compactor_wake_.wait_for(lock, compact_interval_, [this] { return stopping_; })) {
        lock.unlock();
        compact_window();
        lock.lock();
      }
    });
  }

  void connect(int max_attempts) {
    std::chrono::milliseconds backoff(500);
    for (int attempt = 1;; ++attempt) {
      grpc::Status status;
      for (std::size_t i = 0; i < endpoints_->size(); ++i) {
        pb::StatusResponse resp;
        status = endpoints_->call(true, [&](etcdpb::EtcdEndpoint& ep, grpc::ClientContext& ctx) {
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
          return ep.maintenance->Status(&ctx, pb::StatusRequest{}, &resp);
        });
        if (status.ok()) {
          spdlog::info("etcd: connected to {} (etcd {}, revision {})", endpoints_->at(endpoints_->current_index()).url,
                       resp.version(), resp.header().revision());
          return;
        }
      }
      if (max_attempts > 0 && attempt >= max_attempts) {
        throw StoreError(Errc::unavailable, "cannot reach etcd at " + endpoints_->urls() + ": " + status.error_message());
      }
      spdlog::warn("etcd: cannot reach {} ({}); retrying in {} ms", endpoints_->urls(), status.error_message(),
                   backoff.count());
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
    }
  }

  RangeResponse range(const RangeRequest& req) override {
    pb::RangeRequest request;
    to_proto(req, &request);
    pb::RangeResponse response;
    check(endpoints_->call(true, [&](auto& ep, auto& ctx) { return ep.kv->Range(&ctx, request, &response); }));
    return from_proto(response);
  }

  PutResponse put(const PutRequest& req) override {
    check_value_sizes(req);
    pb::PutRequest request;
    to_proto(req, &request);
    pb::PutResponse response;
    check(endpoints_->call(false, [&](auto& ep, auto& ctx) { return ep.kv->Put(&ctx, request, &response); }));
    return from_proto(response);
  }

  DeleteRangeResponse delete_range(const DeleteRangeRequest& req) override {
    pb::DeleteRangeRequest request;
    to_proto(req, &request);
    pb::DeleteRangeResponse response;
    check(endpoints_->call(false, [&](auto& ep, auto& ctx) { return ep.kv->DeleteRange(&ctx, request, &response); }));
    return from_proto(response);
  }

  TxnResponse txn(const TxnRequest& req) override {
    check_value_sizes(req);
    pb::TxnRequest request;
    to_proto(req, &request);
    pb::TxnResponse response;
    check(endpoints_->call(txn_is_read_only(req),
                          [&](auto& ep, auto& ctx) { return ep.kv->Txn(&ctx, request, &response); }));
    return from_proto(response);
  }

  int64_t compact(int64_t revision) override {
    pb::CompactionRequest request;
    request.set_revision(revision);
    pb::CompactionResponse response;
    check(endpoints_->call(false, [&](auto& ep, auto& ctx) { return ep.kv->Compact(&ctx, request, &response); }));
    int64_t known = compact_revision_.load();
    while (revision > known && !compact_revision_.compare_exchange_weak(known, revision)) {
    }
    return revision;
  }

  std::unique_ptr<Watch> watch(const WatchRequest& req, WatchCallback callback) override {
    if (req.key.empty()) throw StoreError(Errc::invalid_argument, etcdpb::kErrEmptyKey);
    WatchRequest pinned = req;
    // The etcd stream opens asynchronously; "now" must mean the moment of this call,
    // so a write acknowledged after watch() returns is never missed.
    if (pinned.start_revision == 0) pinned.start_revision = current_revision() + 1;
    return std::make_unique<etcdpb::EtcdWatch>(endpoints_, ++next_watch_id_, pinned, std::move(callback));
  }

  int64_t lease_grant(int64_t ttl, int64_t id) override {
    pb::LeaseGrantRequest request;
    request.set_ttl(ttl);
    request.set_id(id);
    pb::LeaseGrantResponse response;
    check(endpoints_->call(false, [&](auto& ep, auto& ctx) { return ep.lease->LeaseGrant(&ctx, request, &response); }));
    if (!response.error().empty()) throw StoreError(Errc::internal, response.error());
    return response.id();
  }

  void lease_revoke(int64_t id) override {
    pb::LeaseRevokeRequest request;
    request.set_id(id);
    pb::LeaseRevokeResponse response;
    check(endpoints_->call(false, [&](auto& ep, auto& ctx) { return ep.lease->LeaseRevoke(&ctx, request, &response); }));
  }

  int64_t lease_keep_alive(int64_t id) override {
    pb::LeaseKeepAliveResponse response;
    check(endpoints_->call(true, [&](auto& ep, auto& ctx) {
      auto stream = ep.lease->LeaseKeepAlive(&ctx);
      pb::LeaseKeepAliveRequest request;
      request.set_id(id);
      if (stream->Write(request) && stream->WritesDone() && stream->Read(&response)) {
        ctx.TryCancel();
        stream->Finish();
        return grpc::Status::OK;
      }
      return stream->Finish();
    }));
    if (response.ttl() <= 0) throw StoreError(Errc::lease_not_found, etcdpb::kErrLeaseNotFound);
    return response.ttl();
  }

  LeaseInfo lease_time_to_live(int64_t id, bool with_keys) override {
    pb::LeaseTimeToLiveRequest request;
    request.set_id(id);
    request.set_keys(with_keys);
    pb::LeaseTimeToLiveResponse response;
    check(endpoints_->call(true,
                          [&](auto& ep, auto& ctx) { return ep.lease->LeaseTimeToLive(&ctx, request, &response); }));
    LeaseInfo info;
    info.id = id;
    info.ttl = response.ttl();
    info.granted_ttl = response.grantedttl();
    for (const auto& key : response.keys()) info.keys.push_back(key);
    return info;
  }

  std::vector<int64_t> leases() override {
    pb::LeaseLeasesResponse response;
    check(endpoints_->call(
        true, [&](auto& ep, auto& ctx) { return ep.lease->LeaseLeases(&ctx, pb::LeaseLeasesRequest{}, &response); }));
    std::vector<int64_t> ids;
    for (const auto& lease : response.leases()) ids.push_back(lease.id());
    return ids;
  }

  StoreStatus status() override {
    pb::StatusResponse response;
    check(endpoints_->call(
        true, [&](auto& ep, auto& ctx) { return ep.maintenance->Status(&ctx, pb::StatusRequest{}, &response); }));
    StoreStatus out;
    out.revision = response.header().revision();
    out.compact_revision = compact_revision_.load();
    out.db_size_bytes = response.dbsize();
    out.backend = "etcd";
    out.version = response.version();
    return out;
  }

  int64_t current_revision() override {
    // Any read carries the current revision in its header; a count-only read of one key is the cheapest.
    pb::RangeRequest request;
    request.set_key(std::string(1, '\0'));
    request.set_count_only(true);
    pb::RangeResponse response;
    check(endpoints_->call(true, [&](auto& ep, auto& ctx) { return ep.kv->Range(&ctx, request, &response); }));
    return response.header().revision();
  }

 private:
  void compact_window() {
    try {
      int64_t target = current_revision() - compact_keep_;
      if (target <= compact_revision_.load()) return;
      compact(target);
      spdlog::debug("etcd: compacted history up to revision {}", target);
    } catch (const StoreError& error) {
      // Another server compacting the same etcd first is fine; anything else is worth a line.
      if (error.code() != Errc::compacted) spdlog::warn("etcd: automatic compaction failed: {}", error.what());
    }
  }

  static void check(const grpc::Status& status) {
    if (!status.ok()) throw from_grpc_status(status);
  }

  std::shared_ptr<etcdpb::EtcdEndpoints> endpoints_;  // shared with watch threads
  std::atomic<int64_t> next_watch_id_{0};
  std::atomic<int64_t> compact_revision_{0};
  std::chrono::seconds compact_interval_;
  int64_t compact_keep_;
  std::mutex compactor_mutex_;
  std::condition_variable compactor_wake_;
  bool stopping_ = false;
  std::thread compactor_;
};

}  // namespace

std::unique_ptr<Store> open_etcd_store(const StoreConfig& config) {
  auto store = std::make_unique<EtcdStore>(config);
  store->connect(config.max_connect_attempts);
  store->start_compactor();
  return store;
}

}  // namespace k3s::kine
