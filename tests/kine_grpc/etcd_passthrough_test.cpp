// The etcd pass-through store against a real etcd 3.4: endpoint lists with failover and
// malformed endpoint lists (the shared conformance suite covers the Store semantics).
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "etcd_test_server.h"
#include "kine/store.h"

namespace k3s::kine {
namespace {

using namespace std::chrono_literals;

StoreConfig config_for(const std::string& endpoint) {
  StoreConfig config;
  config.endpoint = endpoint;
  config.compact_interval_seconds = 0;
  config.max_connect_attempts = 3;
  return config;
}

TEST(EtcdPassthrough, FailsOverFromAnUnreachableMember) {
  k3s::testing::EtcdTestServer etcd;
  std::string dead = "http://127.0.0.1:" + std::to_string(k3s::testing::free_tcp_port());
  auto store = open_store(config_for(dead + "," + etcd.endpoint()));

  PutRequest put;
  put.key = "/failover";
  put.value = "v";
  int64_t revision = store->put(put).revision;
  RangeRequest get;
  get.key = "/failover";
  auto read = store->range(get);
  ASSERT_EQ(read.kvs.size(), 1u);
  EXPECT_EQ(read.kvs[0].mod_revision, revision);
  EXPECT_EQ(store->status().backend, "etcd");

  std::mutex mutex;
  std::condition_variable cv;
  std::vector<Event> events;
  WatchRequest request;
  request.key = "/failover";
  auto watch = store->watch(request, [&](WatchBatch batch) {
    std::lock_guard lock(mutex);
    for (auto& e : batch.events) events.push_back(e);
    cv.notify_all();
  });
  put.value = "w";
  store->put(put);
  std::unique_lock lock(mutex);
  ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return !events.empty(); }));
  EXPECT_EQ(events[0].kv.value, "w");
}

TEST(EtcdPassthrough, UnreachableClusterIsUnavailableAfterTheConfiguredAttempts) {
  std::string dead = "http://127.0.0.1:" + std::to_string(k3s::testing::free_tcp_port());
  try {
    open_store(config_for(dead));
    FAIL() << "expected a StoreError";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.code(), Errc::unavailable);
    EXPECT_NE(std::string(error.what()).find(dead), std::string::npos) << error.what();
  }
}

TEST(EtcdPassthrough, MalformedEndpointListIsAnInvalidArgument) {
  for (const std::string endpoint : {"http://", "https://host:2379/path/x", "http://a:2379,ftp://b"}) {
    try {
      open_store(config_for(endpoint));
      ADD_FAILURE() << endpoint << " was accepted";
    } catch (const StoreError& error) {
      EXPECT_EQ(error.code(), Errc::invalid_argument) << endpoint << ": " << error.what();
    }
  }
}

}  // namespace
}  // namespace k3s::kine
