#include "log/log_store.h"

#include <spdlog/spdlog.h>

#include <random>

#include "log/reads.h"
#include "log/txn_check.h"
#include "util/random.h"

namespace k3s::kine::log {
namespace {

constexpr int64_t kCompactWindow = 1000;
constexpr auto kProgressInterval = std::chrono::seconds(5);
// Newest state of recently read or written keys for point reads; beyond it, keys are read
// from the table again.
constexpr std::size_t kReadCacheBytes = 64 << 20;

StoreError compacted_error() {
  return StoreError(Errc::compacted, "etcdserver: mvcc: required revision has been compacted");
}

void check_request_size(const std::string& key, const std::string& value) {
  check_key(key);
  if (key.size() + value.size() > kMaxValueBytes) throw StoreError(Errc::too_large, "etcdserver: request is too large");
}

}  // namespace

LogStore::LogStore(std::unique_ptr<sql::Driver> driver, const StoreConfig& config)
    : driver_(std::move(driver)), config_(config), readers_(*driver_, driver_->reader_pool_size()) {
  int64_t start = readers_.with([](sql::Connection& conn) { return max_revision(conn); });
  compact_revision_ = readers_.with([](sql::Connection& conn) { return stored_compact_revision(conn); });
  last_committed_ = start;
  cache_ = std::make_unique<LatestCache>(start, kReadCacheBytes);

  hub_ = std::make_shared<WatchHub>(
      start, [this](const KeyRange& range, int64_t from, int64_t to) { return read_history(range, from, to); },
      [this] { return compact_revision_.load(); }, kProgressInterval);
  feed_ = std::make_unique<ChangeFeed>(
      *driver_, start, std::chrono::milliseconds(config_.poll_interval_ms),
      [this](std::vector<Event>&& events, int64_t revision) {
        if (cache_) cache_->apply(events, revision);
        hub_->publish(std::move(events), revision);
      },
      [this](int64_t compacted) {
        int64_t seen = compact_revision_.load();
        while (compacted > seen && !compact_revision_.compare_exchange_weak(seen, compacted)) {
        }
      });
  writer_ = std::make_unique<Writer>(*driver_, [this](std::vector<CommittedEvent>&& events) {
    int64_t newest = events.back().revision;
    int64_t seen = last_committed_.load();
    while (newest > seen && !last_committed_.compare_exchange_weak(seen, newest)) {
    }
    feed_->on_committed(std::move(events));
  });
  lease_keeper_ = std::make_unique<LeaseKeeper>([this](int64_t id) {
    spdlog::debug("kine: lease {:x} expired", id);
    write<bool>([id](Mutations& m) { return m.revoke_lease(id); });
  });
  // Leases survive a restart with their full TTL again, as etcd does.
  auto stored = readers_.with([](sql::Connection& conn) { return conn.query("SELECT id, ttl FROM kine_lease", {}); });
  for (const auto& row : stored) lease_keeper_->track(row.integer(0), row.integer(1));

  if (config_.compact_interval_seconds > 0) auto_compactor_ = std::thread([this] { auto_compact_loop(); });
  spdlog::info("kine: {} open at revision {} (compacted up to {})", driver_->describe(), start,
               compact_revision_.load());
}

LogStore::~LogStore() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (auto_compactor_.joinable()) auto_compactor_.join();
  lease_keeper_->stop();
  writer_->stop();
  feed_->stop();
  hub_->shutdown("kine: store closed");
}

int64_t LogStore::current_revision() { return std::max(feed_->last_revision(), last_committed_.load()); }

void LogStore::check_readable_revision(int64_t revision, int64_t current) {
  if (revision < 0) throw StoreError(Errc::invalid_argument, "etcdserver: negative revision");
  if (revision > current)
    throw StoreError(Errc::future_revision, "etcdserver: mvcc: required revision is a future revision");
  if (revision > 0 && revision < compact_revision_.load()) throw compacted_error();
}

namespace {

// A point read answered from the cache, shaped as read_range would answer it.
RangeResponse from_cache(const RangeRequest& req, LatestCache::Hit&& hit) {
  RangeResponse resp;
  resp.revision = hit.revision;
  if (hit.kv) {
    resp.count = 1;
    if (!req.count_only) {
      resp.kvs.push_back(std::move(*hit.kv));
      if (req.keys_only) resp.kvs.back().value.clear();
    }
  }
  return resp;
}

}  // namespace

RangeResponse LogStore::range(const RangeRequest& req) {
  check_key(req.key);
  if (req.limit < 0) throw StoreError(Errc::invalid_argument, "etcdserver: negative limit");
  // Only the newest state of one key is cached; older revisions and ranges read the table.
  bool cacheable = cache_ && req.revision == 0 && req.range_end.empty() && req.key != kCompactRevKey;
  LatestCache::Ticket ticket;
  if (cacheable && !driver_->shared_by_servers()) {
    // Every acknowledged write is at or below current_revision(); the cache serves only
    // once it has applied all of them, so the read stays linearizable.
    if (auto hit = cache_->find(req.key, current_revision(), ticket)) return from_cache(req, std::move(*hit));
  }
  return readers_.with([&](sql::Connection& conn) {
    int64_t current = current_revision();
    // Another server's acknowledged write must be visible here too (linearizable reads).
    if (driver_->shared_by_servers()) {
      current = std::max(current, max_revision(conn));
      if (cacheable)
        if (auto hit = cache_->find(req.key, current, ticket)) return from_cache(req, std::move(*hit));
    }
    check_readable_revision(req.revision, current);
    if (cacheable) {
      // Read at least at what the cache has applied, so the answer can be remembered.
      int64_t at = std::max(current, ticket.applied);
      RangeRequest full = req;
      full.keys_only = full.count_only = false;
      RangeResponse resp = read_range(conn, full, at);
      cache_->fill(req.key, resp.kvs.empty() ? std::nullopt : std::optional<KeyValue>(resp.kvs.front()), at, ticket);
      resp.revision = at;
      if (req.count_only) resp.kvs.clear();
      if (req.keys_only)
        for (auto& kv : resp.kvs) kv.value.clear();
      return resp;
    }
    RangeResponse resp = read_range(conn, req, req.revision > 0 ? req.revision : current);
    // A compaction may have removed history while we read.
    if (req.revision > 0 && req.revision < compact_revision_.load()) throw compacted_error();
    resp.revision = current;
    return resp;
  });
}

PutResponse LogStore::put(const PutRequest& req) {
  check_request_size(req.key, req.value);
  return write<PutResponse>([&](Mutations& m) { return m.put(req); });
}

DeleteRangeResponse LogStore::delete_range(const DeleteRangeRequest& req) {
  check_key(req.key);
  return write<DeleteRangeResponse>([&](Mutations& m) { return m.delete_range(req); });
}

TxnResponse LogStore::txn(const TxnRequest& req) {
  k3s::kine::check_txn_keys(req);
  return write<TxnResponse>([&](Mutations& m) { return m.txn(req); });
}

void LogStore::put_async(const PutRequest& req, WriteDone<PutResponse> done) {
  try {
    check_request_size(req.key, req.value);
  } catch (...) {
    done({}, std::current_exception());
    return;
  }
  submit<PutResponse>([req](Mutations& m) { return m.put(req); }, std::move(done));
}

void LogStore::delete_range_async(const DeleteRangeRequest& req, WriteDone<DeleteRangeResponse> done) {
  try {
    check_key(req.key);
  } catch (...) {
    done({}, std::current_exception());
    return;
  }
  submit<DeleteRangeResponse>([req](Mutations& m) { return m.delete_range(req); }, std::move(done));
}

void LogStore::txn_async(const TxnRequest& req, WriteDone<TxnResponse> done) {
  try {
    k3s::kine::check_txn_keys(req);
  } catch (...) {
    done({}, std::current_exception());
    return;
  }
  submit<TxnResponse>([req](Mutations& m) { return m.txn(req); }, std::move(done));
}

int64_t LogStore::compact(int64_t revision) {
  std::lock_guard lock(compact_mutex_);
  int64_t previous = compact_revision_.load();
  if (revision <= previous) throw compacted_error();
  if (revision > current_revision())
    throw StoreError(Errc::future_revision, "etcdserver: mvcc: required revision is a future revision");
  // Publish the new floor first so no read or watch below it is served from partial history.
  write<int>([&](Mutations& m) {
    m.store_compact_revision(revision);
    return 0;
  });
  compact_revision_ = revision;
  int64_t removed = 0;
  for (int64_t from = previous; from < revision; from += kCompactWindow) {
    int64_t to = std::min(revision, from + kCompactWindow);
    removed += write<int64_t>([&](Mutations& m) { return m.compact_window(from, to, revision); });
  }
  spdlog::debug("kine: compacted up to revision {} ({} rows removed)", revision, removed);
  return revision;
}

void LogStore::auto_compact_loop() {
  std::unique_lock lock(stop_mutex_);
  while (!stop_cv_.wait_for(lock, std::chrono::seconds(config_.compact_interval_seconds), [&] { return stopping_; })) {
    lock.unlock();
    int64_t target = current_revision() - std::max<int64_t>(config_.compact_keep_revisions, 0);
    if (target > compact_revision_.load()) {
      try {
        compact(target);
        spdlog::info("kine: automatic compaction up to revision {}", target);
      } catch (const StoreError& e) {
        if (e.code() != Errc::compacted) spdlog::warn("kine: automatic compaction failed: {}", e.what());
      }
    }
    lock.lock();
  }
}

std::vector<Event> LogStore::read_history(const KeyRange& range, int64_t from, int64_t to) {
  std::vector<Event> events;
  int64_t after = from - 1;
  constexpr int64_t kPage = 1000;
  while (after < to) {
    auto rows = readers_.with([&](sql::Connection& conn) { return rows_between(conn, after, to, &range, kPage); });
    for (const auto& row : rows)
      if (!row.is_bookkeeping()) events.push_back(row.event(true));
    if (static_cast<int64_t>(rows.size()) < kPage) break;
    after = rows.back().id;
  }
  if (from < compact_revision_.load()) throw compacted_error();
  return events;
}

std::unique_ptr<Watch> LogStore::watch(const WatchRequest& req, WatchCallback callback) {
  return hub_->watch(req, std::move(callback));
}

int64_t LogStore::lease_grant(int64_t ttl, int64_t id) {
  if (id < 0) throw StoreError(Errc::invalid_argument, "etcdserver: negative lease id");
  if (ttl < 1) ttl = 1;
  if (id == 0) {
    auto& random = util::thread_random_engine();
    do id = static_cast<int64_t>(random() >> 1);
    while (id == 0);
  }
  write<int>([&](Mutations& m) {
    m.grant_lease(id, ttl);
    return 0;
  });
  lease_keeper_->track(id, ttl);
  return id;
}

void LogStore::lease_revoke(int64_t id) {
  bool existed = write<bool>([&](Mutations& m) { return m.revoke_lease(id); });
  lease_keeper_->forget(id);
  if (!existed) throw StoreError(Errc::lease_not_found, "etcdserver: requested lease not found");
}

int64_t LogStore::lease_keep_alive(int64_t id) {
  auto rows = readers_.with(
      [&](sql::Connection& conn) { return conn.query("SELECT ttl FROM kine_lease WHERE id = ?", {sql::Param::Int(id)}); });
  if (rows.empty()) throw StoreError(Errc::lease_not_found, "etcdserver: requested lease not found");
  int64_t ttl = rows[0].integer(0);
  lease_keeper_->track(id, ttl);
  return ttl;
}

LeaseInfo LogStore::lease_time_to_live(int64_t id, bool with_keys) {
  LeaseInfo info;
  info.id = id;
  info.ttl = -1;
  readers_.with([&](sql::Connection& conn) {
    auto rows = conn.query("SELECT ttl FROM kine_lease WHERE id = ?", {sql::Param::Int(id)});
    if (rows.empty()) return;
    info.granted_ttl = rows[0].integer(0);
    info.ttl = lease_keeper_->remaining_seconds(id).value_or(info.granted_ttl);
    if (with_keys)
      for (const auto& row : live_rows_with_lease(conn, id)) info.keys.push_back(row.name);
  });
  return info;
}

std::vector<int64_t> LogStore::leases() {
  auto rows =
      readers_.with([](sql::Connection& conn) { return conn.query("SELECT id FROM kine_lease ORDER BY id", {}); });
  std::vector<int64_t> ids;
  for (const auto& row : rows) ids.push_back(row.integer(0));
  return ids;
}

StoreStatus LogStore::status() {
  StoreStatus status;
  status.revision = current_revision();
  status.compact_revision = compact_revision_.load();
  status.backend = driver_->backend();
  readers_.with([&](sql::Connection& conn) {
    status.db_size_bytes = driver_->database_size(conn);
    status.version = driver_->server_version(conn);
  });
  return status;
}

}  // namespace k3s::kine::log
