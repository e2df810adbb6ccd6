// One behaviour suite for every Store backend (see backends.h for the list).
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "backends.h"
#include "kine/store.h"
#include "watch_collector.h"

namespace k3s::kine::testing {
namespace {

using namespace std::chrono_literals;

// Generous: a bound on waiting for something that must happen, never a performance check.
constexpr auto kPatience = 30s;

class StoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    endpoint_ = GetParam().fresh_endpoint();
    store_ = open(endpoint_);
  }
  std::unique_ptr<Store> open(const std::string& endpoint) { return open_store(test_config(endpoint)); }

  PutResponse put(const std::string& key, const std::string& value, int64_t lease = 0) {
    PutRequest req;
    req.key = key;
    req.value = value;
    req.lease = lease;
    req.prev_kv = true;
    return store_->put(req);
  }
  RangeResponse get(const std::string& key, int64_t revision = 0) {
    RangeRequest req;
    req.key = key;
    req.revision = revision;
    return store_->range(req);
  }
  RangeResponse prefix(const std::string& p, int64_t limit = 0) {
    RangeRequest req;
    req.key = p;
    req.range_end = prefix_end(p);
    req.limit = limit;
    return store_->range(req);
  }
  DeleteRangeResponse del(const std::string& key, const std::string& end = "") {
    DeleteRangeRequest req;
    req.key = key;
    req.range_end = end;
    req.prev_kv = true;
    return store_->delete_range(req);
  }

  std::string endpoint_;
  std::unique_ptr<Store> store_;
};

template <class F>
Errc error_of(F&& f) {
  try {
    f();
  } catch (const StoreError& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected a StoreError";
  return Errc::internal;
}

TEST_P(StoreConformance, PutCreatesAndUpdatesWithVersions) {
  int64_t before = store_->current_revision();
  auto first = put("/t/a", "one");
  EXPECT_GT(first.revision, before);
  EXPECT_FALSE(first.prev_kv);
  auto got = get("/t/a");
  ASSERT_EQ(got.kvs.size(), 1u);
  EXPECT_EQ(got.kvs[0].value, "one");
  EXPECT_EQ(got.kvs[0].version, 1);
  EXPECT_EQ(got.kvs[0].create_revision, first.revision);
  EXPECT_EQ(got.kvs[0].mod_revision, first.revision);
  EXPECT_GE(got.revision, first.revision);

  auto second = put("/t/a", "two");
  EXPECT_GT(second.revision, first.revision);
  ASSERT_TRUE(second.prev_kv);
  EXPECT_EQ(second.prev_kv->value, "one");
  EXPECT_EQ(second.prev_kv->version, 1);
  got = get("/t/a");
  ASSERT_EQ(got.kvs.size(), 1u);
  EXPECT_EQ(got.kvs[0].value, "two");
  EXPECT_EQ(got.kvs[0].version, 2);
  EXPECT_EQ(got.kvs[0].create_revision, first.revision);
  EXPECT_EQ(got.kvs[0].mod_revision, second.revision);
  EXPECT_EQ(store_->current_revision(), second.revision);

  // ignore_value keeps the value, changes nothing else but the revision.
  PutRequest keep;
  keep.key = "/t/a";
  keep.ignore_value = true;
  store_->put(keep);
  EXPECT_EQ(get("/t/a").kvs.at(0).value, "two");
  EXPECT_EQ(get("/t/a").kvs.at(0).version, 3);
  PutRequest missing;
  missing.key = "/t/none";
  missing.ignore_value = true;
  EXPECT_EQ(error_of([&] { store_->put(missing); }), Errc::invalid_argument);
}

TEST_P(StoreConformance, DeleteThenRecreateStartsANewGeneration) {
  auto created = put("/t/k", "v1");
  put("/t/k", "v2");
  auto deleted = del("/t/k");
  EXPECT_EQ(deleted.deleted, 1);
  ASSERT_EQ(deleted.prev_kvs.size(), 1u);
  EXPECT_EQ(deleted.prev_kvs[0].value, "v2");
  EXPECT_TRUE(get("/t/k").kvs.empty());
  EXPECT_EQ(get("/t/k").count, 0);
  EXPECT_EQ(del("/t/k").deleted, 0);

  auto again = put("/t/k", "v3");
  auto got = get("/t/k");
  ASSERT_EQ(got.kvs.size(), 1u);
  EXPECT_EQ(got.kvs[0].version, 1);
  EXPECT_EQ(got.kvs[0].create_revision, again.revision);
  EXPECT_NE(got.kvs[0].create_revision, created.revision);

  // Old revisions still read the old generation.
  auto old = get("/t/k", created.revision);
  ASSERT_EQ(old.kvs.size(), 1u);
  EXPECT_EQ(old.kvs[0].value, "v1");
  EXPECT_TRUE(get("/t/k", deleted.revision).kvs.empty());
}

TEST_P(StoreConformance, RangeOptions) {
  for (int i = 1; i <= 5; ++i) put("/r/a/" + std::to_string(i), "value" + std::to_string(i));
  put("/r/b/1", "b");
  put("/r/a", "exact");
  int64_t snapshot = store_->current_revision();
  put("/r/a/1", "changed");
  del("/r/a/5");

  auto all = prefix("/r/a/");
  ASSERT_EQ(all.kvs.size(), 4u);
  EXPECT_EQ(all.count, 4);
  EXPECT_FALSE(all.more);
  EXPECT_EQ(all.kvs[0].key, "/r/a/1");
  EXPECT_EQ(all.kvs[0].value, "changed");
  EXPECT_EQ(all.kvs[3].key, "/r/a/4");

  auto limited = prefix("/r/a/", 2);
  ASSERT_EQ(limited.kvs.size(), 2u);
  EXPECT_TRUE(limited.more);
  EXPECT_EQ(limited.count, 4);
  EXPECT_EQ(limited.kvs[1].key, "/r/a/2");

  RangeRequest explicit_end;
  explicit_end.key = "/r/a/2";
  explicit_end.range_end = "/r/a/4";
  auto window = store_->range(explicit_end);
  ASSERT_EQ(window.kvs.size(), 2u);
  EXPECT_EQ(window.kvs[0].key, "/r/a/2");
  EXPECT_EQ(window.kvs[1].key, "/r/a/3");

  RangeRequest from_key;
  from_key.key = "/r/a/4";
  from_key.range_end = std::string(1, '\0');
  auto tail = store_->range(from_key);
  ASSERT_GE(tail.kvs.size(), 2u);
  EXPECT_EQ(tail.kvs[0].key, "/r/a/4");
  EXPECT_EQ(tail.kvs[1].key, "/r/b/1");

  RangeRequest everything;
  everything.key = std::string(1, '\0');
  everything.range_end = std::string(1, '\0');
  auto every = store_->range(everything);
  std::set<std::string> keys;
  for (const auto& kv : every.kvs) keys.insert(kv.key);
  for (const char* k : {"/r/a", "/r/a/1", "/r/a/4", "/r/b/1"}) EXPECT_TRUE(keys.count(k)) << k;
  EXPECT_FALSE(keys.count("/r/a/5"));
  for (const auto& k : keys) EXPECT_EQ(k.rfind("/", 0), 0u) << "reserved key leaked: " << k;
  for (std::size_t i = 1; i < every.kvs.size(); ++i) EXPECT_LT(every.kvs[i - 1].key, every.kvs[i].key);

  RangeRequest keys_only;
  keys_only.key = "/r/a/";
  keys_only.range_end = prefix_end("/r/a/");
  keys_only.keys_only = true;
  auto names = store_->range(keys_only);
  ASSERT_EQ(names.kvs.size(), 4u);
  for (const auto& kv : names.kvs) {
    EXPECT_TRUE(kv.value.empty());
    EXPECT_GT(kv.mod_revision, 0);
  }

  RangeRequest count_only;
  count_only.key = "/r/a/";
  count_only.range_end = prefix_end("/r/a/");
  count_only.count_only = true;
  auto counted = store_->range(count_only);
  EXPECT_TRUE(counted.kvs.empty());
  EXPECT_EQ(counted.count, 4);

  RangeRequest at_snapshot;
  at_snapshot.key = "/r/a/";
  at_snapshot.range_end = prefix_end("/r/a/");
  at_snapshot.revision = snapshot;
  auto past = store_->range(at_snapshot);
  ASSERT_EQ(past.kvs.size(), 5u);
  EXPECT_EQ(past.kvs[0].value, "value1");
  EXPECT_EQ(past.kvs[4].key, "/r/a/5");
  EXPECT_EQ(past.revision, store_->current_revision());

  RangeRequest future;
  future.key = "/r/a";
  future.revision = store_->current_revision() + 100;
  EXPECT_EQ(error_of([&] { store_->range(future); }), Errc::future_revision);
  RangeRequest empty_key;
  EXPECT_EQ(error_of([&] { store_->range(empty_key); }), Errc::invalid_argument);
  EXPECT_EQ(error_of([&] { put("", "x"); }), Errc::invalid_argument);

  RangeRequest backwards;
  backwards.key = "/r/b";
  backwards.range_end = "/r/a";
  EXPECT_TRUE(store_->range(backwards).kvs.empty());

  EXPECT_EQ(del("/r/a/", prefix_end("/r/a/")).deleted, 4);
  EXPECT_EQ(prefix("/r/a/").count, 0);
}

TEST_P(StoreConformance, BinaryValuesRoundTrip) {
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  value += std::string("\0\0'\"\\?", 7);
  put("/bin/k", value);
  EXPECT_EQ(get("/bin/k").kvs.at(0).value, value);
  put("/bin/empty", "");
  ASSERT_EQ(get("/bin/empty").kvs.size(), 1u);
  EXPECT_EQ(get("/bin/empty").kvs[0].value, "");
}

TEST_P(StoreConformance, TxnCompares) {
  auto cmp = [](std::string key, Compare::Target target, Compare::Result result, int64_t number,
                std::string value = "") {
    Compare c;
    c.key = std::move(key);
    c.target = target;
    c.result = result;
    c.number = number;
    c.value = std::move(value);
    return c;
  };
  auto put_op = [](std::string key, std::string value) {
    PutRequest p;
    p.key = std::move(key);
    p.value = std::move(value);
    return RequestOp(p);
  };
  auto get_op = [](std::string key) {
    RangeRequest r;
    r.key = std::move(key);
    return RequestOp(r);
  };

  // create-if-absent: mod_revision == 0
  TxnRequest create;
  create.compare = {cmp("/x/k", Compare::Target::mod_revision, Compare::Result::equal, 0)};
  create.success = {put_op("/x/k", "v1")};
  create.failure = {get_op("/x/k")};
  auto created = store_->txn(create);
  EXPECT_TRUE(created.succeeded);
  ASSERT_EQ(created.responses.size(), 1u);
  int64_t rev1 = std::get<PutResponse>(created.responses[0]).revision;
  EXPECT_EQ(created.revision, rev1);

  auto again = store_->txn(create);
  EXPECT_FALSE(again.succeeded);
  ASSERT_EQ(again.responses.size(), 1u);
  const auto& read = std::get<RangeResponse>(again.responses[0]);
  ASSERT_EQ(read.kvs.size(), 1u);
  EXPECT_EQ(read.kvs[0].value, "v1");

  // update-if-mod_revision
  TxnRequest update;
  update.compare = {cmp("/x/k", Compare::Target::mod_revision, Compare::Result::equal, rev1)};
  update.success = {put_op("/x/k", "v2")};
  EXPECT_TRUE(store_->txn(update).succeeded);
  EXPECT_FALSE(store_->txn(update).succeeded) << "stale mod_revision must fail";

  auto check = [&](Compare c) {
    TxnRequest t;
    t.compare = {std::move(c)};
    return store_->txn(t).succeeded;
  };
  EXPECT_TRUE(check(cmp("/x/k", Compare::Target::version, Compare::Result::equal, 2)));
  EXPECT_TRUE(check(cmp("/x/k", Compare::Target::version, Compare::Result::greater, 1)));
  EXPECT_FALSE(check(cmp("/x/k", Compare::Target::version, Compare::Result::less, 2)));
  EXPECT_TRUE(check(cmp("/x/k", Compare::Target::create_revision, Compare::Result::equal, rev1)));
  EXPECT_TRUE(check(cmp("/x/k", Compare::Target::mod_revision, Compare::Result::greater, rev1)));
  EXPECT_TRUE(check(cmp("/x/k", Compare::Target::value, Compare::Result::equal, 0, "v2")));
  EXPECT_TRUE(check(cmp("/x/k", Compare::Target::value, Compare::Result::not_equal, 0, "v1")));
  EXPECT_TRUE(check(cmp("/x/k", Compare::Target::value, Compare::Result::greater, 0, "v1")));
  EXPECT_TRUE(check(cmp("/x/k", Compare::Target::lease, Compare::Result::equal, 0)));
  EXPECT_FALSE(check(cmp("/x/missing", Compare::Target::value, Compare::Result::equal, 0, "")));
  EXPECT_TRUE(check(cmp("/x/missing", Compare::Target::version, Compare::Result::equal, 0)));

  // Range compare: every key in the range must satisfy it.
  put("/x/r/1", "a");
  put("/x/r/2", "b");
  Compare range_cmp = cmp("/x/r/", Compare::Target::version, Compare::Result::equal, 1);
  range_cmp.range_end = prefix_end("/x/r/");
  EXPECT_TRUE(check(range_cmp));
  put("/x/r/2", "c");
  EXPECT_FALSE(check(range_cmp));

  // Several operations, and a nested txn, apply together.
  put("/x/m/0", "doomed");
  TxnRequest multi;
  PutRequest p1;
  p1.key = "/x/m/1";
  p1.value = "1";
  DeleteRangeRequest d1;
  d1.key = "/x/m/0";
  auto nested = std::make_shared<TxnRequest>();
  nested->compare = {cmp("/x/k", Compare::Target::value, Compare::Result::equal, 0, "v2")};
  nested->success = {put_op("/x/m/2", "nested")};
  multi.success = {RequestOp(p1), RequestOp(d1), RequestOp(nested), get_op("/x/m/2")};
  auto result = store_->txn(multi);
  ASSERT_TRUE(result.succeeded);
  ASSERT_EQ(result.responses.size(), 4u);
  EXPECT_EQ(std::get<DeleteRangeResponse>(result.responses[1]).deleted, 1);
  EXPECT_TRUE(std::get<std::shared_ptr<TxnResponse>>(result.responses[2])->succeeded);
  EXPECT_EQ(std::get<RangeResponse>(result.responses[3]).kvs.at(0).value, "nested");
  EXPECT_TRUE(get("/x/m/0").kvs.empty());
  EXPECT_EQ(get("/x/m/1").kvs.at(0).value, "1");

  // As etcd: one branch may not write a key twice, nor put a key its deletes cover.
  TxnRequest twice;
  twice.success = {put_op("/x/d/1", "a"), put_op("/x/d/1", "b")};
  EXPECT_EQ(error_of([&] { store_->txn(twice); }), Errc::invalid_argument);
  TxnRequest put_then_delete;
  DeleteRangeRequest covering;
  covering.key = "/x/d/";
  covering.range_end = prefix_end("/x/d/");
  put_then_delete.success = {put_op("/x/d/1", "a"), RequestOp(covering)};
  EXPECT_EQ(error_of([&] { store_->txn(put_then_delete); }), Errc::invalid_argument);
  EXPECT_TRUE(get("/x/d/1").kvs.empty());

  // A failing operation (value too large) undoes the whole txn.
  int64_t before = store_->current_revision();
  TxnRequest bad;
  PutRequest ok_put;
  ok_put.key = "/x/half";
  ok_put.value = "written?";
  PutRequest huge;
  huge.key = "/x/huge";
  huge.value.assign(kMaxValueBytes + 1, 'x');
  bad.success = {RequestOp(ok_put), RequestOp(huge)};
  EXPECT_EQ(error_of([&] { store_->txn(bad); }), Errc::too_large);
  EXPECT_TRUE(get("/x/half").kvs.empty()) << "nothing may be half-written";
  put("/x/after", "1");
  auto after = get("/x/after");
  EXPECT_GT(after.kvs.at(0).mod_revision, before);
}

TEST_P(StoreConformance, ValueSizeLimit) {
  std::string big(kMaxValueBytes + 1, 'v');
  EXPECT_EQ(error_of([&] { put("/big/k", big); }), Errc::too_large);
  EXPECT_TRUE(get("/big/k").kvs.empty());
  std::string fits(kMaxValueBytes - 64, 'v');
  put("/big/k", fits);
  EXPECT_EQ(get("/big/k").kvs.at(0).value.size(), fits.size());
}

// Several writers (on several Store instances when the backend allows sharing a database,
// i.e. several servers) race a compare-and-swap on one key: each round exactly one wins.
TEST_P(StoreConformance, ConcurrentWritersRaceOnOneKey) {
  std::vector<std::unique_ptr<Store>> extra;
  std::vector<Store*> stores{store_.get()};
  if (GetParam().shared_database) {
    extra.push_back(open(endpoint_));
    stores.push_back(extra.back().get());
  }
  put("/race/k", "0");
  constexpr int kWriters = 4, kRounds = 15;
  std::vector<int> winners(kRounds, 0);
  std::mutex mutex;
  std::barrier sync(kWriters);
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      Store& store = *stores[w % stores.size()];
      for (int round = 0; round < kRounds; ++round) {
        sync.arrive_and_wait();  // everyone reads the same state...
        RangeRequest read;
        read.key = "/race/k";
        int64_t seen = 0;
        try {
          // Read through the store that will write, directly from the database each round.
          TxnRequest probe;
          probe.success = {RequestOp(read)};
          seen = std::get<RangeResponse>(store.txn(probe).responses.at(0)).kvs.at(0).mod_revision;
        } catch (...) {
          ++errors;
        }
        sync.arrive_and_wait();  // ...then everyone tries to swap it
        TxnRequest swap;
        Compare c;
        c.key = "/race/k";
        c.target = Compare::Target::mod_revision;
        c.number = seen;
        swap.compare = {c};
        PutRequest p;
        p.key = "/race/k";
        p.value = "writer" + std::to_string(w);
        swap.success = {RequestOp(p)};
        try {
          if (store.txn(swap).succeeded) {
            std::lock_guard lock(mutex);
            ++winners[round];
          }
        } catch (const StoreError& e) {
          ++errors;
        }
        sync.arrive_and_wait();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  for (int round = 0; round < kRounds; ++round) EXPECT_EQ(winners[round], 1) << "round " << round;
  EXPECT_EQ(get("/race/k").kvs.at(0).version, kRounds + 1);
}

TEST_P(StoreConformance, WatchSeesEveryConcurrentWriteInOrder) {
  Collector collector;
  WatchRequest wr;
  wr.key = "/w/";
  wr.range_end = prefix_end("/w/");
  auto watch = store_->watch(wr, collector.callback());
  constexpr int kThreads = 4, kPuts = 40;
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::set<int64_t> written;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPuts; ++i) {
        auto r = put("/w/" + std::to_string(t) + "/" + std::to_string(i % 5), std::to_string(i));
        std::lock_guard lock(mutex);
        written.insert(r.revision);
      }
    });
  }
  put("/other", "not watched");
  for (auto& t : threads) t.join();
  ASSERT_TRUE(collector.wait_events(kThreads * kPuts));
  auto events = collector.events();
  ASSERT_EQ(events.size(), static_cast<std::size_t>(kThreads * kPuts));
  std::set<int64_t> seen;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i > 0) EXPECT_LT(events[i - 1].kv.mod_revision, events[i].kv.mod_revision) << "out of order or duplicate";
    seen.insert(events[i].kv.mod_revision);
    EXPECT_EQ(events[i].kv.key.rfind("/w/", 0), 0u);
  }
  EXPECT_EQ(seen, written) << "every acknowledged write, no other";
  for (const auto& b : collector.batches()) {
    EXPECT_FALSE(b.canceled);
    if (!b.events.empty()) EXPECT_GE(b.revision, b.events.back().kv.mod_revision);
  }
}

TEST_P(StoreConformance, WatchFromPastRevisionWithPrevKvAndFilters) {
  auto r1 = put("/p/a", "1");
  auto r2 = put("/p/a", "2");
  auto r3 = del("/p/a");
  auto r4 = put("/p/b", "x");

  Collector collector;
  WatchRequest wr;
  wr.key = "/p/";
  wr.range_end = prefix_end("/p/");
  wr.start_revision = r2.revision;
  wr.prev_kv = true;
  auto watch = store_->watch(wr, collector.callback());
  auto r5 = put("/p/a", "3");
  ASSERT_TRUE(collector.wait_events(4));
  auto events = collector.events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].type, Event::Type::put);
  EXPECT_EQ(events[0].kv.mod_revision, r2.revision);
  EXPECT_EQ(events[0].kv.value, "2");
  EXPECT_EQ(events[0].kv.version, 2);
  ASSERT_TRUE(events[0].prev_kv);
  EXPECT_EQ(events[0].prev_kv->value, "1");
  EXPECT_EQ(events[0].prev_kv->mod_revision, r1.revision);
  EXPECT_EQ(events[1].type, Event::Type::del);
  EXPECT_EQ(events[1].kv.key, "/p/a");
  EXPECT_EQ(events[1].kv.mod_revision, r3.revision);
  ASSERT_TRUE(events[1].prev_kv);
  EXPECT_EQ(events[1].prev_kv->value, "2");
  EXPECT_EQ(events[2].kv.mod_revision, r4.revision);
  EXPECT_FALSE(events[2].prev_kv);
  EXPECT_EQ(events[3].kv.mod_revision, r5.revision);
  EXPECT_EQ(events[3].kv.create_revision, r5.revision);

  // Without prev_kv, and with deletes filtered out, from the very first write.
  Collector puts_only;
  WatchRequest filtered = wr;
  filtered.start_revision = r1.revision;
  filtered.prev_kv = false;
  filtered.filter_delete = true;
  auto watch2 = store_->watch(filtered, puts_only.callback());
  ASSERT_TRUE(puts_only.wait_events(4));
  for (const auto& e : puts_only.events()) {
    EXPECT_EQ(e.type, Event::Type::put);
    EXPECT_FALSE(e.prev_kv);
  }
  EXPECT_EQ(puts_only.events().size(), 4u);

  // A single-key watch only sees that key.
  Collector single;
  WatchRequest one;
  one.key = "/p/b";
  one.start_revision = r1.revision;
  auto watch3 = store_->watch(one, single.callback());
  ASSERT_TRUE(single.wait_events(1));
  put("/p/b", "y");
  ASSERT_TRUE(single.wait_events(2));
  auto single_events = single.events();
  for (const auto& e : single_events) EXPECT_EQ(e.kv.key, "/p/b");
}

TEST_P(StoreConformance, ProgressNotificationCarriesCurrentRevision) {
  Collector collector;
  WatchRequest wr;
  wr.key = "/prog/";
  wr.range_end = prefix_end("/prog/");
  auto watch = store_->watch(wr, collector.callback());
  put("/unrelated", "1");
  int64_t current = store_->current_revision();
  watch->request_progress();
  ASSERT_TRUE(collector.wait([&](const std::vector<WatchBatch>& batches) {
    for (const auto& b : batches)
      if (b.events.empty() && b.compact_revision == 0 && !b.canceled && b.revision >= current) return true;
    return false;
  }));
}

TEST_P(StoreConformance, CancelFromInsideACallbackStopsDelivery) {
  WatchRequest wr;
  wr.key = "/c/k";
  Collector other, probe;
  auto watch_other = store_->watch(wr, other.callback());
  auto watch_probe = store_->watch(wr, probe.callback());
  std::unique_ptr<Watch> self;
  std::mutex mutex;
  std::atomic<int> calls{0};
  {
    std::lock_guard lock(mutex);
    self = store_->watch(wr, [&](WatchBatch) {
      std::lock_guard inner(mutex);
      self->cancel();  // re-entrant: must neither deadlock nor run again
      watch_other->cancel();
      ++calls;  // last: the test writes again once it sees the cancels done
    });
  }
  put("/c/k", "1");
  ASSERT_TRUE(probe.wait_events(1));
  // Watches may be separate streams (etcd pass-through): wait for this one's first delivery
  // rather than assuming it ran before the probe's.
  for (int i = 0; i < 1000 && calls.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(calls.load(), 1);
  put("/c/k", "2");
  ASSERT_TRUE(probe.wait_events(2));
  put("/c/k", "3");
  ASSERT_TRUE(probe.wait_events(3));
  EXPECT_EQ(calls.load(), 1);
  EXPECT_LE(other.events().size(), 1u);
  for (const auto& e : other.events()) EXPECT_EQ(e.kv.value, "1");
  watch_probe->cancel();
  std::size_t seen = probe.events().size();
  put("/c/k", "4");
  EXPECT_EQ(probe.events().size(), seen) << "no callback after cancel() returned";
}

TEST_P(StoreConformance, CompactionRejectsOlderReadsAndWatches) {
  auto r1 = put("/cp/k", "1");
  auto r2 = put("/cp/k", "2");
  auto r3 = put("/cp/k", "3");
  put("/cp/gone", "x");
  del("/cp/gone");
  auto r4 = put("/cp/k", "4");
  EXPECT_EQ(store_->compact(r3.revision), r3.revision);
  EXPECT_EQ(store_->status().compact_revision, r3.revision);

  EXPECT_EQ(error_of([&] { get("/cp/k", r2.revision); }), Errc::compacted);
  EXPECT_EQ(error_of([&] { get("/cp/k", r1.revision); }), Errc::compacted);
  EXPECT_EQ(get("/cp/k", r3.revision).kvs.at(0).value, "3");
  EXPECT_EQ(get("/cp/k").kvs.at(0).value, "4");
  EXPECT_EQ(get("/cp/k").kvs.at(0).version, 4);
  EXPECT_EQ(get("/cp/k").kvs.at(0).create_revision, r1.revision);
  EXPECT_TRUE(get("/cp/gone").kvs.empty());
  EXPECT_EQ(error_of([&] { store_->compact(r2.revision); }), Errc::compacted);
  EXPECT_EQ(error_of([&] { store_->compact(store_->current_revision() + 10); }), Errc::future_revision);

  Collector compacted;
  WatchRequest wr;
  wr.key = "/cp/k";
  wr.start_revision = r1.revision;
  auto watch = store_->watch(wr, compacted.callback());
  ASSERT_TRUE(compacted.wait([](const auto& batches) { return !batches.empty(); }));
  EXPECT_EQ(compacted.batches()[0].compact_revision, r3.revision);
  EXPECT_TRUE(compacted.batches()[0].events.empty());

  Collector from_compact;
  wr.start_revision = r3.revision;
  auto watch2 = store_->watch(wr, from_compact.callback());
  ASSERT_TRUE(from_compact.wait_events(2));
  EXPECT_EQ(from_compact.events()[0].kv.mod_revision, r3.revision);
  EXPECT_EQ(from_compact.events()[1].kv.mod_revision, r4.revision);

  // Updates after compaction keep counting versions and keep working.
  put("/cp/k", "5");
  EXPECT_EQ(get("/cp/k").kvs.at(0).version, 5);
  EXPECT_EQ(store_->compact(store_->current_revision()), store_->current_revision());
  EXPECT_EQ(get("/cp/k").kvs.at(0).value, "5");
}

TEST_P(StoreConformance, AutomaticCompactionKeepsTheConfiguredWindow) {
  store_.reset();
  auto config = test_config(endpoint_);
  config.compact_interval_seconds = 1;
  config.compact_keep_revisions = 3;
  store_ = open_store(config);
  int64_t last = 0;
  for (int i = 0; i < 10; ++i) last = put("/ac/k", std::to_string(i)).revision;
  bool compacted = false;
  for (auto deadline = std::chrono::steady_clock::now() + kPatience; std::chrono::steady_clock::now() < deadline;) {
    if (store_->status().compact_revision >= last - 3) {
      compacted = true;
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(compacted);
  EXPECT_EQ(store_->status().compact_revision, last - 3) << "nothing more than the configured window";
  EXPECT_EQ(error_of([&] { get("/ac/k", last - 4); }), Errc::compacted);
  EXPECT_EQ(get("/ac/k", last - 3).kvs.at(0).value, "6");
  EXPECT_EQ(get("/ac/k").kvs.at(0).version, 10);
}

TEST_P(StoreConformance, LeasesExpireAndDeleteTheirKeys) {
  EXPECT_EQ(error_of([&] { put("/l/none", "x", 424242); }), Errc::lease_not_found);
  int64_t lease = store_->lease_grant(1);
  EXPECT_GT(lease, 0);
  int64_t kept = store_->lease_grant(60, 777);
  EXPECT_EQ(kept, 777);
  EXPECT_EQ(error_of([&] { store_->lease_grant(60, 777); }), Errc::invalid_argument);
  auto ids = store_->leases();
  EXPECT_NE(std::find(ids.begin(), ids.end(), lease), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), kept), ids.end());

  put("/l/short", "x", lease);
  put("/l/long", "y", kept);
  EXPECT_EQ(get("/l/short").kvs.at(0).lease, lease);
  auto info = store_->lease_time_to_live(kept, true);
  EXPECT_EQ(info.granted_ttl, 60);
  EXPECT_GT(info.ttl, 0);
  ASSERT_EQ(info.keys.size(), 1u);
  EXPECT_EQ(info.keys[0], "/l/long");
  EXPECT_EQ(store_->lease_keep_alive(kept), 60);

  Collector collector;
  WatchRequest wr;
  wr.key = "/l/short";
  wr.start_revision = store_->current_revision() + 1;
  auto watch = store_->watch(wr, collector.callback());
  ASSERT_TRUE(collector.wait_events(1)) << "the expired lease's key was not deleted";
  EXPECT_EQ(collector.events()[0].type, Event::Type::del);
  EXPECT_TRUE(get("/l/short").kvs.empty());
  EXPECT_EQ(store_->lease_time_to_live(lease, false).ttl, -1);
  EXPECT_EQ(error_of([&] { store_->lease_keep_alive(lease); }), Errc::lease_not_found);

  store_->lease_revoke(kept);
  EXPECT_TRUE(get("/l/long").kvs.empty());
  EXPECT_EQ(error_of([&] { store_->lease_revoke(kept); }), Errc::lease_not_found);
}

TEST_P(StoreConformance, RestartResumesWatchesFromAnyRetainedRevision) {
  put("/rs/a", "1");
  int64_t resume_after = put("/rs/a", "2").revision;
  int64_t lease = store_->lease_grant(120);
  std::vector<int64_t> expected;
  expected.push_back(put("/rs/b", "1", lease).revision);
  expected.push_back(del("/rs/a").revision);
  store_.reset();

  store_ = open(endpoint_);
  EXPECT_EQ(store_->current_revision(), expected.back());
  EXPECT_EQ(get("/rs/b").kvs.at(0).value, "1");
  EXPECT_EQ(store_->lease_time_to_live(lease, false).granted_ttl, 120) << "leases survive a restart";
  expected.push_back(put("/rs/c", "1").revision);

  Collector collector;
  WatchRequest wr;
  wr.key = "/rs/";
  wr.range_end = prefix_end("/rs/");
  wr.start_revision = resume_after + 1;
  auto watch = store_->watch(wr, collector.callback());
  expected.push_back(put("/rs/d", "1").revision);
  ASSERT_TRUE(collector.wait_events(expected.size()));
  auto events = collector.events();
  ASSERT_EQ(events.size(), expected.size());
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].kv.mod_revision, expected[i]);
  EXPECT_EQ(events[1].type, Event::Type::del);
}

// Point reads of the newest state may be served without the table (the read cache):
// they must still follow every write, delete, compaction and restart exactly.
TEST_P(StoreConformance, PointReadsFollowWritesDeletesCompactionAndRestart) {
  auto r1 = put("/pr/k", "1");
  EXPECT_EQ(get("/pr/k").kvs.at(0).value, "1");
  EXPECT_TRUE(get("/pr/missing").kvs.empty());
  EXPECT_TRUE(get("/pr/missing").kvs.empty());
  auto r2 = put("/pr/k", "2");
  put("/pr/missing", "now");
  auto now = get("/pr/k");
  ASSERT_EQ(now.kvs.size(), 1u);
  EXPECT_EQ(now.kvs[0].value, "2");
  EXPECT_EQ(now.kvs[0].mod_revision, r2.revision);
  EXPECT_EQ(now.kvs[0].create_revision, r1.revision);
  EXPECT_EQ(now.kvs[0].version, 2);
  EXPECT_GE(now.revision, r2.revision);
  EXPECT_EQ(get("/pr/missing").kvs.at(0).value, "now");
  EXPECT_EQ(get("/pr/k", r1.revision).kvs.at(0).value, "1") << "an older revision reads the log";

  RangeRequest keys_only;
  keys_only.key = "/pr/k";
  keys_only.keys_only = true;
  auto ko = store_->range(keys_only);
  ASSERT_EQ(ko.kvs.size(), 1u);
  EXPECT_EQ(ko.kvs[0].value, "");
  EXPECT_EQ(ko.kvs[0].mod_revision, r2.revision);
  RangeRequest count_only;
  count_only.key = "/pr/k";
  count_only.count_only = true;
  auto co = store_->range(count_only);
  EXPECT_EQ(co.count, 1);
  EXPECT_TRUE(co.kvs.empty());

  auto gone = del("/pr/k");
  EXPECT_TRUE(get("/pr/k").kvs.empty());
  EXPECT_EQ(get("/pr/k", gone.revision - 1).kvs.at(0).value, "2");
  count_only.key = "/pr/k";
  EXPECT_EQ(store_->range(count_only).count, 0);

  // A transaction and a lease revocation change keys too.
  TxnRequest txn;
  Compare cmp;
  cmp.key = "/pr/k";
  cmp.target = Compare::Target::version;
  cmp.number = 0;
  txn.compare.push_back(cmp);
  PutRequest again;
  again.key = "/pr/k";
  again.value = "3";
  txn.success.push_back(again);
  auto t = store_->txn(txn);
  ASSERT_TRUE(t.succeeded);
  auto back = get("/pr/k");
  ASSERT_EQ(back.kvs.size(), 1u);
  EXPECT_EQ(back.kvs[0].value, "3");
  EXPECT_EQ(back.kvs[0].version, 1);
  EXPECT_EQ(back.kvs[0].create_revision, t.revision);
  int64_t lease = store_->lease_grant(60);
  put("/pr/leased", "l", lease);
  EXPECT_EQ(get("/pr/leased").kvs.size(), 1u);
  store_->lease_revoke(lease);
  EXPECT_TRUE(get("/pr/leased").kvs.empty());

  EXPECT_EQ(store_->compact(store_->current_revision()), store_->current_revision());
  EXPECT_EQ(get("/pr/k").kvs.at(0).value, "3");
  EXPECT_TRUE(get("/pr/leased").kvs.empty());
  EXPECT_EQ(error_of([&] { get("/pr/k", r2.revision); }), Errc::compacted);

  store_.reset();
  store_ = open(endpoint_);
  EXPECT_EQ(get("/pr/k").kvs.at(0).value, "3");
  EXPECT_EQ(get("/pr/missing").kvs.at(0).value, "now");
  EXPECT_TRUE(get("/pr/leased").kvs.empty());
  put("/pr/k", "4");
  EXPECT_EQ(get("/pr/k").kvs.at(0).value, "4");
  EXPECT_EQ(get("/pr/k").kvs.at(0).version, 2);
}

// Readers racing writers on one key never see a value older than the last acknowledged one.
TEST_P(StoreConformance, PointReadsNeverGoBackwardsUnderConcurrentWrites) {
  constexpr int kWrites = 200;
  std::atomic<int> acknowledged{0};
  std::atomic<bool> failed{false};
  std::thread writer([&] {
    for (int i = 1; i <= kWrites; ++i) {
      PutRequest p;
      p.key = "/race/k";
      p.value = std::to_string(i);
      store_->put(p);
      acknowledged = i;
    }
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (acknowledged.load() < kWrites && !failed) {
        int floor = acknowledged.load();
        RangeRequest req;
        req.key = "/race/k";
        auto resp = store_->range(req);
        int seen = resp.kvs.empty() ? 0 : std::stoi(resp.kvs[0].value);
        if (seen < floor) failed = true;
      }
    });
  }
  writer.join();
  for (auto& reader : readers) reader.join();
  EXPECT_FALSE(failed) << "a read returned a value older than an acknowledged write";
  EXPECT_EQ(get("/race/k").kvs.at(0).value, std::to_string(kWrites));
}

// Only for backends where several servers can share one database.
class SharedDatabaseConformance : public StoreConformance {};

TEST_P(SharedDatabaseConformance, ServersSharingADatabaseSeeEachOthersWrites) {
  auto other = open(endpoint_);
  Collector on_first, on_other;
  WatchRequest wr;
  wr.key = "/shared/";
  wr.range_end = prefix_end("/shared/");
  auto w1 = store_->watch(wr, on_first.callback());
  auto w2 = other->watch(wr, on_other.callback());
  std::vector<int64_t> revisions;
  std::thread writer_a([&] {
    for (int i = 0; i < 20; ++i) put("/shared/a" + std::to_string(i % 3), std::to_string(i));
  });
  std::thread writer_b([&] {
    for (int i = 0; i < 20; ++i) {
      PutRequest p;
      p.key = "/shared/b" + std::to_string(i % 3);
      p.value = std::to_string(i);
      other->put(p);
    }
  });
  writer_a.join();
  writer_b.join();
  ASSERT_TRUE(on_first.wait_events(40));
  ASSERT_TRUE(on_other.wait_events(40));
  auto a = on_first.events(), b = on_other.events();
  ASSERT_EQ(a.size(), 40u);
  ASSERT_EQ(b.size(), 40u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].kv.mod_revision, b[i].kv.mod_revision);
    EXPECT_EQ(a[i].kv.key, b[i].kv.key);
    if (i > 0) EXPECT_LT(a[i - 1].kv.mod_revision, a[i].kv.mod_revision);
  }
  // A read on one server sees the other's write once it is acknowledged and observed.
  RangeRequest r;
  r.key = "/shared/b0";
  EXPECT_EQ(other->range(r).kvs.size(), 1u);
  EXPECT_EQ(store_->range(r).kvs.size(), 1u);
  // Read on this server (remembered), write on the other: the next read here sees it at once.
  EXPECT_EQ(store_->range(r).kvs.size(), 1u);
  PutRequest p;
  p.key = "/shared/b0";
  p.value = "from-other";
  int64_t written = other->put(p).revision;
  auto seen = store_->range(r);
  ASSERT_EQ(seen.kvs.size(), 1u);
  EXPECT_EQ(seen.kvs[0].value, "from-other");
  EXPECT_EQ(seen.kvs[0].mod_revision, written);
  DeleteRangeRequest d;
  d.key = "/shared/b0";
  other->delete_range(d);
  EXPECT_TRUE(store_->range(r).kvs.empty());
}

// Only for backends whose database is a server that can go away.
class ServerOutageConformance : public StoreConformance {};

TEST_P(ServerOutageConformance, DatabaseOutageFailsCallsThenRecovers) {
  auto* server = GetParam().server();
  ASSERT_NE(server, nullptr);
  put("/out/k", "before");
  Collector collector;
  WatchRequest wr;
  wr.key = "/out/k";
  wr.start_revision = store_->current_revision() + 1;
  auto watch = store_->watch(wr, collector.callback());
  server->stop();
  EXPECT_EQ(error_of([&] { put("/out/k", "during"); }), Errc::unavailable);
  EXPECT_EQ(error_of([&] { get("/out/k"); }), Errc::unavailable);
  server->start();
  bool recovered = false;
  for (auto deadline = std::chrono::steady_clock::now() + kPatience; std::chrono::steady_clock::now() < deadline;) {
    try {
      put("/out/k", "after");
      recovered = true;
      break;
    } catch (const StoreError& e) {
      EXPECT_EQ(e.code(), Errc::unavailable);
      std::this_thread::sleep_for(100ms);
    }
  }
  ASSERT_TRUE(recovered);
  EXPECT_EQ(get("/out/k").kvs.at(0).value, "after");
  ASSERT_TRUE(collector.wait_events(1)) << "the watch survives the outage";
  EXPECT_EQ(collector.events().back().kv.value, "after");
}

TEST_P(StoreConformance, StatusDescribesTheBackend) {
  put("/st/k", "v");
  auto status = store_->status();
  EXPECT_EQ(status.revision, store_->current_revision());
  EXPECT_FALSE(status.backend.empty());
  EXPECT_FALSE(status.version.empty());
  EXPECT_GT(status.db_size_bytes, 0);
}

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) { return info.param.name; }

std::vector<Backend> backends_where(bool (*predicate)(const Backend&)) {
  std::vector<Backend> out;
  for (auto& b : conformance_backends())
    if (predicate(b)) out.push_back(b);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::ValuesIn(conformance_backends()), backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, SharedDatabaseConformance,
                         ::testing::ValuesIn(backends_where([](const Backend& b) { return b.shared_database; })),
                         backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, ServerOutageConformance,
                         ::testing::ValuesIn(backends_where([](const Backend& b) { return b.has_server; })),
                         backend_name);

}  // namespace
}  // namespace k3s::kine::testing
