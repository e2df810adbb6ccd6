#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "kine/store.h"
#include "registry.h"
#include "status.h"
#include "storage.h"
#include "watch_cache.h"

using namespace k3s;
using namespace k3s::apiserver;
namespace fs = std::filesystem;

namespace {

// A real SQLite-backed kine store in a temporary directory.
class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("k3s-apiserver-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    kine::StoreConfig config;
    config.default_sqlite_path = (dir_ / "state.db").string();
    config.compact_interval_seconds = 0;
    store_ = kine::open_store(config);
    register_builtin_types(registry_);
    cm_type_ = registry_.find("", "v1", "configmaps");
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  Json configmap(const std::string& ns, const std::string& name, const std::string& app) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", app}}}}}};
  }

  fs::path dir_;
  std::unique_ptr<kine::Store> store_;
  Registry registry_;
  std::shared_ptr<const ResourceType> cm_type_;
};

// Collects watch events and lets the test wait for a count.
struct EventLog {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, std::string>> events;  // type, name
  WatchSink sink() {
    return [this](const WatchEvent& ev) {
      std::lock_guard lock(mu);
      events.emplace_back(watch_event_type_name(ev.type), ev.object->object["metadata"].value("name", ""));
      cv.notify_all();
      return true;
    };
  }
  std::vector<std::pair<std::string, std::string>> wait_for(std::size_t n) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(20), [&] { return events.size() >= n; });
    return events;
  }
};

}  // namespace

TEST_F(StoreFixture, StorageCreateIsExclusiveAndUpdateDetectsRaces) {
  Storage storage(*store_);
  Json created = storage.create(*cm_type_, configmap("a", "one", "x"), false);
  EXPECT_FALSE(created["metadata"]["resourceVersion"].get<std::string>().empty());
  try {
    storage.create(*cm_type_, configmap("a", "one", "x"), false);
    FAIL() << "expected AlreadyExists";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 409);
    EXPECT_EQ(e.reason(), "AlreadyExists");
    EXPECT_EQ(std::string(e.what()), "configmaps \"one\" already exists");
  }
  // A writer that loses the race is retried on the fresh object.
  int calls = 0;
  auto result = storage.update(
      *cm_type_, "a", "one",
      [&](const Json& current) -> std::optional<Json> {
        if (++calls == 1) storage.update(*cm_type_, "a", "one", [](const Json& c) {
          Json n = c;
          n["data"]["racer"] = "1";
          return std::optional<Json>(n);
        }, false);
        Json next = current;
        next["data"]["mine"] = "1";
        return next;
      },
      false);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(result.object["data"]["racer"], "1");
  EXPECT_EQ(result.object["data"]["mine"], "1");
  Json removed = storage.remove(*cm_type_, "a", "one", nullptr, false);
  EXPECT_FALSE(storage.get(*cm_type_, "a", "one").has_value());
  EXPECT_THROW(storage.remove(*cm_type_, "a", "one", nullptr, false), ApiError);
}

TEST_F(StoreFixture, CacheListsWithSelectorsAndPages) {
  Storage storage(*store_);
  storage.create(*cm_type_, configmap("a", "one", "web"), false);
  storage.create(*cm_type_, configmap("a", "two", "db"), false);
  storage.create(*cm_type_, configmap("b", "three", "web"), false);
  WatchCache cache(*store_, cm_type_);
  cache.start();
  ObjectFilter web;
  web.labels = object::labels::Selector::parse("app=web");
  EXPECT_EQ(cache.list(web, 0, "").items.size(), 2u);
  ObjectFilter in_a;
  in_a.ns = "a";
  EXPECT_EQ(cache.list(in_a, 0, "").items.size(), 2u);
  ObjectFilter by_name;
  by_name.fields = object::fields::Selector::parse("metadata.name=three");
  auto named = cache.list(by_name, 0, "");
  ASSERT_EQ(named.items.size(), 1u);
  EXPECT_EQ(named.items[0]->ns, "b");

  auto page1 = cache.list({}, 2, "");
  ASSERT_EQ(page1.items.size(), 2u);
  EXPECT_EQ(page1.remaining, 1);
  auto page2 = cache.list({}, 2, page1.next_key);
  ASSERT_EQ(page2.items.size(), 1u);
  EXPECT_TRUE(page2.next_key.empty());
  cache.stop();
}

TEST_F(StoreFixture, CacheWatchTranslatesSelectorTransitions) {
  Storage storage(*store_);
  storage.create(*cm_type_, configmap("a", "one", "web"), false);
  WatchCache cache(*store_, cm_type_);
  cache.start();
  EventLog log;
  WatchCache::WatchOptions options;
  options.filter.labels = object::labels::Selector::parse("app=web");
  auto watcher = cache.watch(options, log.sink());
  // Initial state first, then live events; leaving the selection is a DELETED for this watcher.
  storage.create(*cm_type_, configmap("a", "two", "web"), false);
  storage.update(*cm_type_, "a", "one", [](const Json& c) {
    Json n = c;
    n["metadata"]["labels"]["app"] = "db";
    return std::optional<Json>(n);
  }, false);
  storage.create(*cm_type_, configmap("a", "ignored", "db"), false);
  storage.remove(*cm_type_, "a", "two", nullptr, false);
  auto events = log.wait_for(4);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0], (std::pair<std::string, std::string>{"ADDED", "one"}));
  EXPECT_EQ(events[1], (std::pair<std::string, std::string>{"ADDED", "two"}));
  EXPECT_EQ(events[2], (std::pair<std::string, std::string>{"DELETED", "one"}));
  EXPECT_EQ(events[3], (std::pair<std::string, std::string>{"DELETED", "two"}));
  cache.unwatch(watcher);
  cache.stop();
}

TEST_F(StoreFixture, WatchFromARevisionReplaysHistoryAndTooOldIsGone) {
  Storage storage(*store_);
  WatchCache cache(*store_, cm_type_, /*history_size=*/2);
  cache.start();
  Json first = storage.create(*cm_type_, configmap("a", "one", "x"), false);
  int64_t rv = std::stoll(first["metadata"]["resourceVersion"].get<std::string>());
  storage.create(*cm_type_, configmap("a", "two", "x"), false);
  ASSERT_TRUE(cache.wait_until_fresh(store_->current_revision(), std::chrono::seconds(20)));
  EventLog log;
  WatchCache::WatchOptions from_first;
  from_first.from_revision = rv;
  auto w = cache.watch(from_first, log.sink());
  auto events = log.wait_for(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].second, "two");
  cache.unwatch(w);
  storage.create(*cm_type_, configmap("a", "three", "x"), false);
  storage.create(*cm_type_, configmap("a", "four", "x"), false);
  ASSERT_TRUE(cache.wait_until_fresh(store_->current_revision(), std::chrono::seconds(20)));
  WatchCache::WatchOptions too_old;
  too_old.from_revision = rv;
  try {
    cache.watch(too_old, log.sink());
    FAIL() << "expected 410";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 410);
    EXPECT_EQ(e.reason(), "Expired");
  }
  cache.stop();
}

// An object written by an older release, before a default existed, reads like a new one:
// through the storage (get, the object an update starts from) and through the cache (initial
// list and later events), as kube-apiserver defaults everything it decodes from etcd.
TEST_F(StoreFixture, ObjectsReadFromTheDatastoreAreDefaulted) {
  auto deployments = registry_.find("apps", "v1", "deployments");
  ASSERT_TRUE(deployments);
  const Json old_style = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "web"}, {"namespace", "a"}}},
      {"spec",
       {{"selector", {{"matchLabels", {{"app", "web"}}}}},
        {"template",
         {{"metadata", {{"labels", {{"app", "web"}}}}},
          {"spec", {{"containers", Json::array({{{"name", "c"}, {"image", "nginx"}}})}}}}}}}};
  const std::string key = Storage::key(*deployments, "a", "web");
  store_->put({key, old_style.dump()});

  auto expect_defaulted = [](const Json& d) {
    EXPECT_EQ(d["spec"]["replicas"], 1) << d.dump();
    EXPECT_EQ(d["spec"]["strategy"]["type"], "RollingUpdate") << d.dump();
    EXPECT_EQ(d["spec"]["template"]["spec"]["restartPolicy"], "Always") << d.dump();
    EXPECT_EQ(d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"], "Always") << d.dump();
  };
  Storage storage(*store_);
  auto got = storage.get(*deployments, "a", "web");
  ASSERT_TRUE(got);
  expect_defaulted(*got);
  storage.update(*deployments, "a", "web", [&](const Json& current) -> std::optional<Json> {
    expect_defaulted(current);
    return std::nullopt;
  }, false);

  WatchCache cache(*store_, deployments);
  cache.start();
  auto listed = cache.list({}, 0, "");
  ASSERT_EQ(listed.items.size(), 1u);
  expect_defaulted(listed.items[0]->object);
  Json encoded = Json::parse(listed.items[0]->encoded);
  expect_defaulted(encoded);

  Json second = old_style;
  second["metadata"]["name"] = "api";
  auto put = store_->put({Storage::key(*deployments, "a", "api"), second.dump()});
  ASSERT_TRUE(cache.wait_until_fresh(put.revision, std::chrono::seconds(20)));
  auto api = cache.get("a", "api");
  ASSERT_TRUE(api);
  expect_defaulted(api->object);
}
