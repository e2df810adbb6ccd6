// The Store over SQL: reads on pooled connections, writes through the group-commit
// writer, watches fed by the change feed, plus leases and compaction.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "kine/store.h"
#include "log/change_feed.h"
#include "log/connection_pool.h"
#include "log/latest_cache.h"
#include "log/lease_keeper.h"
#include "log/watch_hub.h"
#include "log/writer.h"
#include "sql/driver.h"

namespace k3s::kine::log {

class LogStore : public Store {
 public:
  // The database must already be prepared (see prepare_database).
  LogStore(std::unique_ptr<sql::Driver> driver, const StoreConfig& config);
  ~LogStore() override;

  RangeResponse range(const RangeRequest& req) override;
  PutResponse put(const PutRequest& req) override;
  DeleteRangeResponse delete_range(const DeleteRangeRequest& req) override;
  TxnResponse txn(const TxnRequest& req) override;
  void put_async(const PutRequest& req, WriteDone<PutResponse> done) override;
  void delete_range_async(const DeleteRangeRequest& req, WriteDone<DeleteRangeResponse> done) override;
  void txn_async(const TxnRequest& req, WriteDone<TxnResponse> done) override;
  int64_t compact(int64_t revision) override;
  std::unique_ptr<Watch> watch(const WatchRequest& req, WatchCallback callback) override;
  int64_t lease_grant(int64_t ttl, int64_t id) override;
  void lease_revoke(int64_t id) override;
  int64_t lease_keep_alive(int64_t id) override;
  LeaseInfo lease_time_to_live(int64_t id, bool with_keys) override;
  std::vector<int64_t> leases() override;
  StoreStatus status() override;
  int64_t current_revision() override;

 private:
  template <class Result>
  Result write(std::function<Result(Mutations&)> operation) {
    return writer_->run<Result>(std::move(operation));
  }
  template <class Result>
  void submit(std::function<Result(Mutations&)> operation, WriteDone<Result> done) {
    auto result = std::make_shared<Result>();
    writer_->submit([result, operation = std::move(operation)](Mutations& m) { *result = operation(m); },
                    [result, done = std::move(done)](std::exception_ptr failure) { done(std::move(*result), failure); });
  }
  std::vector<Event> read_history(const KeyRange& range, int64_t from, int64_t to);
  void check_readable_revision(int64_t revision, int64_t current);
  void auto_compact_loop();

  std::unique_ptr<sql::Driver> driver_;
  StoreConfig config_;
  ConnectionPool readers_;
  std::atomic<int64_t> compact_revision_{0};
  std::atomic<int64_t> last_committed_{0};
  std::unique_ptr<LatestCache> cache_;
  std::shared_ptr<WatchHub> hub_;
  std::unique_ptr<ChangeFeed> feed_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<LeaseKeeper> lease_keeper_;
  std::mutex compact_mutex_;

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread auto_compactor_;
};

}  // namespace k3s::kine::log
