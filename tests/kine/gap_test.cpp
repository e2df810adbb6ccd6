// Revisions that commit out of order (PostgreSQL sequences hand out ids at INSERT time):
// a watcher must neither skip the slower row nor deliver it after a higher revision.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unistd.h>

#include "backends.h"
#include "harness/db_servers.h"
#include "kine/store.h"

namespace k3s::kine::testing {
namespace {

using namespace std::chrono_literals;

class Events {
 public:
  WatchCallback callback() {
    return [this](WatchBatch batch) {
      std::lock_guard lock(mutex_);
      for (auto& e : batch.events) events_.push_back(std::move(e));
      cv_.notify_all();
    };
  }
  std::vector<Event> wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, 30s, [&] { return events_.size() >= n; });
    return events_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Event> events_;
};

class RawConnection {
 public:
  explicit RawConnection(int port, const std::string& db) {
    std::string info = "host=127.0.0.1 port=" + std::to_string(port) + " user=postgres dbname=" + db;
    conn_ = PQconnectdb(info.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn_));
  }
  ~RawConnection() { PQfinish(conn_); }
  std::string exec(const std::string& sql) {
    PGresult* res = PQexec(conn_, sql.c_str());
    auto status = PQresultStatus(res);
    std::string first = status == PGRES_TUPLES_OK && PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "";
    std::string error = PQresultErrorMessage(res);
    PQclear(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw std::runtime_error(error);
    return first;
  }

 private:
  PGconn* conn_ = nullptr;
};

struct GapCase {
  std::string database;
  std::unique_ptr<Store> store;
  std::unique_ptr<RawConnection> slow;
  Events events;
  std::unique_ptr<Watch> watch;
  int64_t slow_id = 0;
  int64_t fast_revision = 0;

  GapCase() {
    static int n = 0;
    database = "kine_gap_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
    auto& server = k3s::testing::PostgresServer::shared();
    store = open_store(test_config(server.endpoint(database)));
    WatchRequest wr;
    wr.key = "/gap/";
    wr.range_end = prefix_end("/gap/");
    watch = store->watch(wr, events.callback());
    // Another server's transaction takes an id and then dawdles.
    slow = std::make_unique<RawConnection>(server.port(), database);
    slow->exec("BEGIN");
    slow_id = std::stoll(slow->exec(
        "INSERT INTO kine(name, created, deleted, create_revision, prev_revision, lease, value, old_value) "
        "VALUES('/gap/slow', 1, 0, 0, 0, 0, 'slow', '') RETURNING id"));
    PutRequest put;
    put.key = "/gap/fast";
    put.value = "fast";
    fast_revision = store->put(put).revision;
    // Long enough for the change feed to give up waiting and try to fill the hole.
    std::this_thread::sleep_for(1500ms);
  }
};

TEST(PostgresGaps, LateCommitIsDeliveredBeforeHigherRevisions) {
  GapCase c;
  ASSERT_LT(c.slow_id, c.fast_revision);
  c.slow->exec("COMMIT");
  auto events = c.events.wait_for(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kv.key, "/gap/slow");
  EXPECT_EQ(events[0].kv.mod_revision, c.slow_id);
  EXPECT_EQ(events[1].kv.key, "/gap/fast");
  EXPECT_EQ(events[1].kv.mod_revision, c.fast_revision);
}

TEST(PostgresGaps, AbandonedIdIsFilledAndSkipped) {
  GapCase c;
  c.slow->exec("ROLLBACK");
  auto events = c.events.wait_for(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kv.key, "/gap/fast");
  EXPECT_EQ(c.slow->exec("SELECT name FROM kine WHERE id = " + std::to_string(c.slow_id)),
            "gap-" + std::to_string(c.slow_id));
  RangeRequest all;
  all.key = "/gap/";
  all.range_end = prefix_end("/gap/");
  auto range = c.store->range(all);
  ASSERT_EQ(range.kvs.size(), 1u);
  EXPECT_EQ(range.kvs[0].key, "/gap/fast");
  // And the gap filler never shows up as a key.
  RangeRequest everything;
  everything.key = std::string(1, '\0');
  everything.range_end = std::string(1, '\0');
  EXPECT_EQ(c.store->range(everything).kvs.size(), 1u);
}

}  // namespace
}  // namespace k3s::kine::testing
