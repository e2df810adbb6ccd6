// The datastore contract every k3s component speaks: an etcd v3 style, revisioned
// key-value store. Implementations: the log-structured store over SQL drivers
// (SQLite, PostgreSQL, MySQL/MariaDB) and the pass-through to a real etcd cluster.
// The etcd v3 gRPC server (kine.sock, `k3s kine`) and the API server's storage layer
// are both thin layers over this one interface.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace k3s::kine {

// etcd's default request size limit; larger values are rejected with Errc::too_large.
inline constexpr std::size_t kMaxValueBytes = 1536 * 1024;

enum class Errc {
  compacted,         // requested revision is older than the compaction point
  future_revision,   // requested revision is newer than the current one
  too_large,         // value over kMaxValueBytes
  lease_not_found,   // lease id unknown or expired
  invalid_argument,  // malformed request (empty key, bad range, ...)
  unavailable,       // datastore unreachable or failing; the caller may retry
  internal,          // anything else; never a crash
};

// Every failure of a Store call is a StoreError; "compare failed" in a Txn is not a failure.
class StoreError : public std::runtime_error {
 public:
  StoreError(Errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  Errc code() const { return code_; }

 private:
  Errc code_;
};

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;  // 1 on creation, +1 on every update, reset by deletion
  int64_t lease = 0;
};

// Key ranges follow etcd: range_end empty = the single key; range_end "\0" = every key
// >= key; otherwise [key, range_end). prefix_end() builds the range_end of a prefix.
std::string prefix_end(const std::string& prefix);

struct RangeRequest {
  std::string key;
  std::string range_end;
  int64_t revision = 0;  // 0 = current
  int64_t limit = 0;     // 0 = unlimited
  bool keys_only = false;
  bool count_only = false;
};

struct RangeResponse {
  int64_t revision = 0;  // store revision the read was served at
  std::vector<KeyValue> kvs;
  bool more = false;      // limit cut the result
  int64_t count = 0;      // number of keys in the range, regardless of limit
};

struct PutRequest {
  std::string key;
  std::string value;
  int64_t lease = 0;
  bool prev_kv = false;
  bool ignore_value = false;  // keep the current value
  bool ignore_lease = false;  // keep the current lease
};

struct PutResponse {
  int64_t revision = 0;
  std::optional<KeyValue> prev_kv;
};

struct DeleteRangeRequest {
  std::string key;
  std::string range_end;
  bool prev_kv = false;
};

struct DeleteRangeResponse {
  int64_t revision = 0;
  int64_t deleted = 0;
  std::vector<KeyValue> prev_kvs;
};

struct Compare {
  enum class Target { version, create_revision, mod_revision, value, lease };
  enum class Result { equal, greater, less, not_equal };
  std::string key;
  std::string range_end;  // etcd allows comparing over a range: every key must satisfy it
  Target target = Target::mod_revision;
  Result result = Result::equal;
  int64_t number = 0;  // for version / create_revision / mod_revision / lease
  std::string value;   // for Target::value
};

struct TxnRequest;
struct TxnResponse;
using RequestOp = std::variant<RangeRequest, PutRequest, DeleteRangeRequest, std::shared_ptr<TxnRequest>>;
using ResponseOp = std::variant<RangeResponse, PutResponse, DeleteRangeResponse, std::shared_ptr<TxnResponse>>;

struct TxnRequest {
  std::vector<Compare> compare;
  std::vector<RequestOp> success;
  std::vector<RequestOp> failure;
};

struct TxnResponse {
  int64_t revision = 0;
  bool succeeded = false;
  std::vector<ResponseOp> responses;
};

struct Event {
  enum class Type { put, del };
  Type type = Type::put;
  KeyValue kv;  // for del: key, mod_revision = revision of the deletion, other fields zero
  std::optional<KeyValue> prev_kv;  // filled when the watch asked for prev_kv
};

struct WatchRequest {
  std::string key;
  std::string range_end;
  int64_t start_revision = 0;  // 0 = only changes after the current revision
  bool prev_kv = false;
  bool progress_notify = false;  // periodic empty batches carrying the current revision
  bool filter_put = false;
  bool filter_delete = false;
  // Watches with the same nonzero group (e.g. those of one client stream) are handed an
  // event one after another, so such a consumer can send them together and early.
  uint64_t group = 0;
};

// The events of one WatchBatch: an immutable list that the batches of many watchers may
// share (a store hands one event to a thousand watchers as one list, not a thousand
// copies). Reads like a const std::vector<Event>.
class EventList {
 public:
  EventList() = default;
  EventList(std::vector<Event>&& events)  // NOLINT: implicit, so `batch.events = std::move(v)` reads naturally
      : list_(events.empty() ? nullptr : std::make_shared<const std::vector<Event>>(std::move(events))) {}
  explicit EventList(std::shared_ptr<const std::vector<Event>> list) : list_(std::move(list)) {
    if (list_ && list_->empty()) list_.reset();
  }

  using const_iterator = std::vector<Event>::const_iterator;
  const_iterator begin() const { return list_ ? list_->begin() : empty_list().begin(); }
  const_iterator end() const { return list_ ? list_->end() : empty_list().end(); }
  std::size_t size() const { return list_ ? list_->size() : 0; }
  bool empty() const { return !list_; }
  const Event& operator[](std::size_t i) const { return (*list_)[i]; }
  const Event& front() const { return list_->front(); }
  const Event& back() const { return list_->back(); }
  // Batches handed the same list (the same event, to watchers wanting it in the same form)
  // return the same object here, so a consumer can derive something from it once, e.g.
  // its wire encoding. Null when empty.
  const std::shared_ptr<const std::vector<Event>>& shared() const { return list_; }

 private:
  static const std::vector<Event>& empty_list() {
    static const std::vector<Event> none;
    return none;
  }
  std::shared_ptr<const std::vector<Event>> list_;
};

// One delivery to a watcher. Batches arrive in revision order with no gaps and no
// duplicates. An empty `events` with compact_revision == 0 is a progress notification.
// compact_revision != 0 means the start revision was compacted: the watch is over.
// `canceled` with a reason means the store ended the watch (datastore lost, shutdown).
struct WatchBatch {
  int64_t revision = 0;  // the store revision this batch brings the watcher up to
  EventList events;
  int64_t compact_revision = 0;
  bool canceled = false;
  std::string cancel_reason;
  // A hint only: the store is about to deliver another batch to a watch of the same
  // WatchRequest::group right after this one, so a consumer may hold its output back
  // until a batch without the hint arrives (one socket write for the whole group).
  bool more_in_group = false;
};

// Called from a store-owned thread; must return quickly (queue, don't block).
using WatchCallback = std::function<void(WatchBatch)>;

class Watch {
 public:
  virtual ~Watch() = default;
  virtual int64_t id() const = 0;
  virtual void cancel() = 0;  // no callback runs after cancel() returns
  // Ask for a progress notification carrying the current revision (etcd RequestProgress).
  virtual void request_progress() = 0;
};

struct LeaseInfo {
  int64_t id = 0;
  int64_t granted_ttl = 0;
  int64_t ttl = 0;  // remaining seconds; -1 when the lease is unknown/expired
  std::vector<std::string> keys;
};

struct StoreStatus {
  int64_t revision = 0;
  int64_t compact_revision = 0;
  int64_t db_size_bytes = 0;
  std::string backend;  // "sqlite", "postgres", "mysql", "etcd"
  std::string version;  // of the database server, where known
};

// The answer to a write, or why it failed (a StoreError, or another exception): called once.
template <class Response>
using WriteDone = std::function<void(Response&& response, std::exception_ptr failure)>;

class Store {
 public:
  virtual ~Store() = default;

  virtual RangeResponse range(const RangeRequest& req) = 0;
  virtual PutResponse put(const PutRequest& req) = 0;
  virtual DeleteRangeResponse delete_range(const DeleteRangeRequest& req) = 0;
  virtual TxnResponse txn(const TxnRequest& req) = 0;

  // The same writes without parking the caller: a store that batches commits calls `done`
  // from its own thread once the write is durable (so `done` must be quick and must not
  // block); by default the write runs on the caller's thread.
  virtual void put_async(const PutRequest& req, WriteDone<PutResponse> done) { answer(done, [&] { return put(req); }); }
  virtual void delete_range_async(const DeleteRangeRequest& req, WriteDone<DeleteRangeResponse> done) {
    answer(done, [&] { return delete_range(req); });
  }
  virtual void txn_async(const TxnRequest& req, WriteDone<TxnResponse> done) { answer(done, [&] { return txn(req); }); }

  // Removes history at or below `revision` (etcd Compact). Returns the new compact revision.
  virtual int64_t compact(int64_t revision) = 0;

  virtual std::unique_ptr<Watch> watch(const WatchRequest& req, WatchCallback callback) = 0;

  // ttl in seconds; id 0 = let the store choose. Returns the lease id.
  virtual int64_t lease_grant(int64_t ttl, int64_t id = 0) = 0;
  virtual void lease_revoke(int64_t id) = 0;                 // deletes the lease's keys
  virtual int64_t lease_keep_alive(int64_t id) = 0;          // returns the new ttl
  virtual LeaseInfo lease_time_to_live(int64_t id, bool with_keys) = 0;
  virtual std::vector<int64_t> leases() = 0;

  virtual StoreStatus status() = 0;
  virtual int64_t current_revision() = 0;

 private:
  template <class Response, class Write>
  static void answer(const WriteDone<Response>& done, Write&& write) {
    Response response;
    std::exception_ptr failure;
    try {
      response = write();
    } catch (...) {
      failure = std::current_exception();
    }
    done(std::move(response), failure);
  }
};

struct StoreConfig {
  // k3s --datastore-endpoint spelling: "" (SQLite at default_sqlite_path), sqlite://path?opts,
  // postgres://user:pass@host:port/db?sslmode=..., mysql://user:pass@tcp(host:port)/db,
  // http(s)://host:2379[,https://host2:2379] (etcd pass-through).
  std::string endpoint;
  std::string default_sqlite_path;  // <data-dir>/server/db/state.db
  std::string ca_file, cert_file, key_file;  // --datastore-cafile/-certfile/-keyfile
  int64_t compact_interval_seconds = 300;    // automatic compaction period (0 = off)
  int64_t compact_keep_revisions = 1000;     // history kept behind the current revision
  int64_t poll_interval_ms = 1000;           // how often other servers' writes are looked for
  int max_connect_attempts = 0;              // 0 = retry with backoff forever at start
};

// Parses the endpoint and opens (creating database and table when missing) the store.
// A malformed endpoint throws StoreError(invalid_argument) with a one-line message.
std::unique_ptr<Store> open_store(const StoreConfig& config);

// The endpoint with its password replaced by "***", fit for logs.
std::string redact_endpoint(const std::string& endpoint);

}  // namespace k3s::kine
