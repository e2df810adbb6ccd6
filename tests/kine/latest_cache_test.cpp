// The point-read cache on its own: what it may answer, and when a table read may be remembered.
#include <gtest/gtest.h>

#include "log/latest_cache.h"

namespace k3s::kine::log {
namespace {

Event put_event(const std::string& key, const std::string& value, int64_t revision, int64_t version = 1) {
  Event e;
  e.type = Event::Type::put;
  e.kv.key = key;
  e.kv.value = value;
  e.kv.create_revision = revision - version + 1;
  e.kv.mod_revision = revision;
  e.kv.version = version;
  return e;
}

Event delete_event(const std::string& key, int64_t revision) {
  Event e;
  e.type = Event::Type::del;
  e.kv.key = key;
  e.kv.mod_revision = revision;
  return e;
}

KeyValue kv(const std::string& key, const std::string& value, int64_t revision) {
  KeyValue out;
  out.key = key;
  out.value = value;
  out.create_revision = out.mod_revision = revision;
  out.version = 1;
  return out;
}

TEST(LatestCache, UnknownKeyIsAMissUntilFilled) {
  LatestCache cache(10, 1 << 20);
  LatestCache::Ticket ticket;
  EXPECT_FALSE(cache.find("/a", 10, ticket));
  EXPECT_EQ(ticket.applied, 10);
  cache.fill("/a", kv("/a", "v", 7), 10, ticket);
  auto hit = cache.find("/a", 10, ticket);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->revision, 10);
  ASSERT_TRUE(hit->kv);
  EXPECT_EQ(hit->kv->key, "/a");
  EXPECT_EQ(hit->kv->value, "v");
  EXPECT_EQ(hit->kv->mod_revision, 7);
}

TEST(LatestCache, WritesAndDeletesReplaceTheState) {
  LatestCache cache(0, 1 << 20);
  cache.apply({put_event("/a", "1", 1)}, 1);
  LatestCache::Ticket ticket;
  auto hit = cache.find("/a", 1, ticket);
  ASSERT_TRUE(hit && hit->kv);
  EXPECT_EQ(hit->kv->value, "1");

  cache.apply({put_event("/a", "2", 2, 2), put_event("/b", "x", 3)}, 3);
  hit = cache.find("/a", 3, ticket);
  ASSERT_TRUE(hit && hit->kv);
  EXPECT_EQ(hit->kv->value, "2");
  EXPECT_EQ(hit->kv->version, 2);
  EXPECT_EQ(hit->revision, 3);

  cache.apply({delete_event("/a", 4)}, 4);
  hit = cache.find("/a", 4, ticket);
  ASSERT_TRUE(hit) << "a deletion is known state: the key does not exist";
  EXPECT_FALSE(hit->kv);
}

TEST(LatestCache, NeverAnswersForARevisionItHasNotApplied) {
  LatestCache cache(0, 1 << 20);
  cache.apply({put_event("/a", "1", 1)}, 1);
  LatestCache::Ticket ticket;
  // Revision 2 was acknowledged (perhaps to /a) but has not reached the cache yet.
  EXPECT_FALSE(cache.find("/a", 2, ticket));
}

TEST(LatestCache, AFillRacingAnEventKeepsTheEvent) {
  LatestCache cache(5, 1 << 20);
  LatestCache::Ticket ticket;
  EXPECT_FALSE(cache.find("/a", 5, ticket));
  cache.apply({put_event("/a", "new", 6)}, 6);
  cache.fill("/a", kv("/a", "old", 3), 5, ticket);  // read before the event committed
  auto hit = cache.find("/a", 6, ticket);
  ASSERT_TRUE(hit && hit->kv);
  EXPECT_EQ(hit->kv->value, "new");
}

TEST(LatestCache, AFillAheadOfTheFeedIsNotRemembered) {
  LatestCache cache(5, 1 << 20);
  LatestCache::Ticket ticket;
  EXPECT_FALSE(cache.find("/a", 5, ticket));
  // Read at 7 while the cache has applied only 5: events 6..7 could still rewind the key.
  cache.fill("/a", kv("/a", "v", 7), 7, ticket);
  cache.apply({}, 7);
  EXPECT_FALSE(cache.find("/a", 7, ticket));
}

TEST(LatestCache, EvictionDropsEntriesAndVoidsOlderFills) {
  LatestCache cache(0, 4096);
  LatestCache::Ticket before;
  EXPECT_FALSE(cache.find("/late", 0, before));
  std::vector<Event> events;
  for (int i = 1; i <= 100; ++i) events.push_back(put_event("/k" + std::to_string(i), std::string(100, 'x'), i));
  cache.apply(events, 100);
  EXPECT_LT(cache.entries(), 100u);
  // /late may have been written and evicted after `before` was taken: do not trust the read.
  cache.fill("/late", std::nullopt, 100, before);
  LatestCache::Ticket after;
  EXPECT_FALSE(cache.find("/late", 100, after));
  cache.fill("/late", std::nullopt, 100, after);
  auto hit = cache.find("/late", 100, after);
  ASSERT_TRUE(hit);
  EXPECT_FALSE(hit->kv);
}

}  // namespace
}  // namespace k3s::kine::log
