// The watch hub on its own: which watchers share one event list per publish, and that
// every watcher still sees exactly the events it asked for, in the form it asked for.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "log/watch_hub.h"
#include "watch_collector.h"

namespace k3s::kine::log {
namespace {

using namespace std::chrono_literals;
using k3s::kine::testing::Collector;

Event put_event(const std::string& key, const std::string& value, int64_t revision, bool with_prev) {
  Event e;
  e.type = Event::Type::put;
  e.kv.key = key;
  e.kv.value = value;
  e.kv.create_revision = 1;
  e.kv.mod_revision = revision;
  e.kv.version = revision;
  if (with_prev) {
    e.prev_kv = e.kv;
    e.prev_kv->value = "old " + value;
    e.prev_kv->mod_revision = revision - 1;
    e.prev_kv->version = revision - 1;
  }
  return e;
}

std::shared_ptr<WatchHub> make_hub() {
  return std::make_shared<WatchHub>(
      10, [](const KeyRange&, int64_t, int64_t) { return std::vector<Event>{}; }, [] { return int64_t{0}; }, 10s);
}

WatchRequest request(const std::string& key, bool prev_kv, const std::string& range_end = "") {
  WatchRequest r;
  r.key = key;
  r.range_end = range_end;
  r.prev_kv = prev_kv;
  return r;
}

TEST(WatchHub, WatchersTakingEveryEventShareOneListPerForm) {
  auto hub = make_hub();
  Collector plain_a, plain_b, prev_a, prev_b;
  auto wa = hub->watch(request("/k", false), plain_a.callback());
  auto wb = hub->watch(request("/k", false), plain_b.callback());
  auto wc = hub->watch(request("/k", true), prev_a.callback());
  auto wd = hub->watch(request("/", true, std::string(1, '\0')), prev_b.callback());
  hub->publish({put_event("/k", "v11", 11, true)}, 11);

  auto a = plain_a.wait_for(1), b = plain_b.wait_for(1), c = prev_a.wait_for(1), d = prev_b.wait_for(1);
  ASSERT_EQ(a[0].events.size(), 1u);
  EXPECT_EQ(a[0].revision, 11);
  EXPECT_EQ(a[0].events.shared(), b[0].events.shared());
  EXPECT_EQ(c[0].events.shared(), d[0].events.shared());
  EXPECT_NE(a[0].events.shared(), c[0].events.shared());
  EXPECT_FALSE(a[0].events[0].prev_kv.has_value());
  EXPECT_EQ(a[0].events[0].kv.value, "v11");
  ASSERT_TRUE(c[0].events[0].prev_kv.has_value());
  EXPECT_EQ(c[0].events[0].prev_kv->value, "old v11");
  EXPECT_EQ(c[0].events[0].kv.value, "v11");
}

TEST(WatchHub, WatcherTakingSomeEventsGetsItsOwnList) {
  auto hub = make_hub();
  Collector one, all;
  auto w1 = hub->watch(request("/a", false), one.callback());
  auto w2 = hub->watch(request("/", false, std::string(1, '\0')), all.callback());
  hub->publish({put_event("/a", "1", 11, false), put_event("/b", "2", 12, false)}, 12);

  auto mine = one.wait_for(1), every = all.wait_for(1);
  ASSERT_EQ(mine[0].events.size(), 1u);
  EXPECT_EQ(mine[0].events[0].kv.key, "/a");
  EXPECT_EQ(mine[0].revision, 12);
  ASSERT_EQ(every[0].events.size(), 2u);
  EXPECT_EQ(every[0].events[1].kv.key, "/b");
  EXPECT_NE(mine[0].events.shared(), every[0].events.shared());
}

TEST(WatchHub, FiltersStillApplyToSharedPublishes) {
  auto hub = make_hub();
  Collector no_puts, plain;
  auto request_no_puts = request("/k", false);
  request_no_puts.filter_put = true;
  auto w1 = hub->watch(request_no_puts, no_puts.callback());
  auto w2 = hub->watch(request("/k", false), plain.callback());
  hub->publish({put_event("/k", "1", 11, false)}, 11);
  Event deletion;
  deletion.type = Event::Type::del;
  deletion.kv.key = "/k";
  deletion.kv.mod_revision = 12;
  hub->publish({deletion}, 12);

  auto seen = plain.wait_for(2);
  auto deletes = no_puts.wait_for(1);
  ASSERT_EQ(deletes.size(), 1u);  // the put was filtered out entirely
  EXPECT_EQ(deletes[0].events[0].type, Event::Type::del);
  EXPECT_EQ(deletes[0].revision, 12);
  EXPECT_EQ(deletes[0].events.shared(), seen[1].events.shared());
  EXPECT_EQ(seen[0].events[0].kv.value, "1");
}

TEST(WatchHub, ReplayFromTheRingIsUnaffected) {
  auto hub = make_hub();
  hub->publish({put_event("/k", "11", 11, true)}, 11);
  hub->publish({put_event("/k", "12", 12, true)}, 12);
  Collector replay;
  auto w = hub->watch([] {
    WatchRequest r = request("/k", false);
    r.start_revision = 11;
    return r;
  }(), replay.callback());
  auto batches = replay.wait_for(1);
  ASSERT_EQ(batches[0].events.size(), 2u);
  EXPECT_EQ(batches[0].events[0].kv.mod_revision, 11);
  EXPECT_EQ(batches[0].events[1].kv.mod_revision, 12);
  EXPECT_FALSE(batches[0].events[0].prev_kv.has_value());
}

TEST(EventList, ReadsLikeAVectorAndSharesOnCopy) {
  EventList empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.begin(), empty.end());
  EXPECT_EQ(empty.shared(), nullptr);
  EventList from_empty_vector = std::vector<Event>{};
  EXPECT_TRUE(from_empty_vector.empty());

  EventList list = std::vector<Event>{put_event("/a", "1", 2, false), put_event("/b", "2", 3, false)};
  EventList copy = list;
  ASSERT_EQ(copy.size(), 2u);
  EXPECT_EQ(copy.front().kv.key, "/a");
  EXPECT_EQ(copy.back().kv.key, "/b");
  EXPECT_EQ(copy.shared(), list.shared());
  int n = 0;
  for (const auto& e : list) n += static_cast<int>(e.kv.mod_revision);
  EXPECT_EQ(n, 5);
}

}  // namespace
}  // namespace k3s::kine::log
