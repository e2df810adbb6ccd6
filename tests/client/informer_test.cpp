#include "client/informer.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "fake_api_server.h"

using namespace k3s::client;
using k3s::client::testing::FakeApiServer;
using namespace std::chrono_literals;

namespace {

constexpr auto kTimeout = 60s;  // generous: the machine is shared

Json config_map(const std::string& ns, const std::string& name, const std::string& value = "v",
                const std::string& node = "") {
  Json cm = {{"metadata", {{"name", name}, {"namespace", ns}}}, {"data", {{"k", value}}}};
  if (!node.empty()) cm["spec"]["nodeName"] = node;
  return cm;
}

// Records handler calls and lets the test wait for a condition on them.
class Recorder {
 public:
  EventHandlers handlers() {
    return {[this](const ObjectPtr& o) { record("add " + object_key(*o)); },
            [this](const ObjectPtr& old_o, const ObjectPtr& new_o) {
              record("update " + object_key(*new_o) + " " + old_o->at("data").value("k", "") + "->" +
                     new_o->at("data").value("k", ""));
            },
            [this](const DeletedObject& d) {
              record(std::string(d.final_state_unknown ? "tombstone " : "delete ") + d.key +
                     (d.object ? "" : " (no object)"));
            }};
  }
  void record(std::string line) {
    std::lock_guard lock(mu_);
    lines_.push_back(std::move(line));
    cv_.notify_all();
  }
  bool wait_for(const std::string& line) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kTimeout, [&] { return std::find(lines_.begin(), lines_.end(), line) != lines_.end(); });
  }
  bool wait_for_count(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kTimeout, [&] { return lines_.size() >= n; });
  }
  std::vector<std::string> lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }
  std::size_t count(const std::string& line) {
    std::lock_guard lock(mu_);
    return std::count(lines_.begin(), lines_.end(), line);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

RestConfig config_for(const FakeApiServer& server) {
  RestConfig config;
  config.server = server.url();
  config.qps = 0;
  config.timeout = 10s;
  return config;
}

InformerOptions fast_backoff() {
  InformerOptions options;
  options.initial_backoff = 50ms;
  options.max_backoff = 500ms;
  options.page_size = 2;  // exercise pagination
  return options;
}

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

}  // namespace

TEST(Indexer, KeysAndIndices) {
  Indexer indexer;
  indexer.add_index("node", index_by_field("spec.nodeName"));
  indexer.upsert("a/p1", std::make_shared<const Json>(config_map("a", "p1", "v", "n1")));
  indexer.upsert("b/p2", std::make_shared<const Json>(config_map("b", "p2", "v", "n1")));
  indexer.upsert("a/p3", std::make_shared<const Json>(config_map("a", "p3", "v", "n2")));
  EXPECT_EQ(indexer.size(), 3u);
  EXPECT_EQ(indexer.by_index("node", "n1").size(), 2u);
  EXPECT_EQ(indexer.by_index(kNamespaceIndex, "a").size(), 2u);
  // Moving an object re-indexes it.
  indexer.upsert("a/p1", std::make_shared<const Json>(config_map("a", "p1", "v", "n2")));
  EXPECT_EQ(indexer.by_index("node", "n1").size(), 1u);
  EXPECT_EQ(indexer.by_index("node", "n2").size(), 2u);
  indexer.remove("a/p3");
  EXPECT_EQ(indexer.keys_by_index("node", "n2"), std::vector<std::string>{"a/p1"});
  EXPECT_THROW(indexer.by_index("nope", "x"), std::invalid_argument);
  EXPECT_EQ(indexer.get("a", "p1")->at("spec").at("nodeName"), "n2");
  EXPECT_EQ(indexer.get("zz/none"), nullptr);

  Json owned = config_map("a", "child");
  owned["metadata"]["ownerReferences"] = {{{"uid", "u-1"}, {"kind", "ReplicaSet"}, {"name", "rs"}}};
  indexer.add_index("owner", index_by_owner_uid());  // indexes what is stored
  indexer.upsert("a/child", std::make_shared<const Json>(owned));
  EXPECT_EQ(indexer.keys_by_index("owner", "u-1"), std::vector<std::string>{"a/child"});

  EXPECT_EQ(object_key(config_map("ns", "n")), "ns/n");
  EXPECT_EQ(split_object_key("ns/n"), (std::pair<std::string, std::string>{"ns", "n"}));
  EXPECT_EQ(split_object_key("node1"), (std::pair<std::string, std::string>{"", "node1"}));
}

TEST(Informer, ListThenWatchDeliversAddsUpdatesDeletes) {
  FakeApiServer server;
  for (int i = 0; i < 5; ++i) server.put_object("configmaps", config_map("ns", "pre-" + std::to_string(i)));
  Client client(config_for(server));
  SharedInformer informer(client, resources::kConfigMaps, fast_backoff());
  Recorder recorder;
  informer.add_event_handler(recorder.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(kTimeout));
  EXPECT_EQ(informer.indexer().size(), 5u);
  ASSERT_TRUE(recorder.wait_for_count(5));
  EXPECT_EQ(recorder.lines().front().rfind("add ns/pre-", 0), 0u);
  // Items of a list get their type back.
  EXPECT_EQ(informer.indexer().get("ns/pre-0")->at("kind"), "ConfigMap");

  server.put_object("configmaps", config_map("ns", "new"));
  ASSERT_TRUE(recorder.wait_for("add ns/new"));
  server.put_object("configmaps", config_map("ns", "new", "changed"));
  ASSERT_TRUE(recorder.wait_for("update ns/new v->changed"));
  server.delete_object("configmaps", "ns", "new");
  ASSERT_TRUE(recorder.wait_for("delete ns/new"));
  EXPECT_EQ(informer.indexer().get("ns/new"), nullptr);
  EXPECT_EQ(server.list_requests("configmaps"), 3) << "5 objects in pages of 2";
  informer.stop();
}

TEST(Informer, RelistsOnGoneAndEmitsTombstones) {
  FakeApiServer server;
  server.put_object("configmaps", config_map("ns", "keep"));
  server.put_object("configmaps", config_map("ns", "doomed"));
  Client client(config_for(server));
  SharedInformer informer(client, resources::kConfigMaps, fast_backoff());
  Recorder recorder;
  informer.add_event_handler(recorder.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(kTimeout));
  ASSERT_TRUE(eventually([&] { return server.watch_requests("configmaps") >= 1; }));
  const auto lists_before = informer.list_count();

  // While the watch is down, history is compacted and objects change: the re-watch gets
  // 410 and the informer must relist and reconcile.
  server.stop();
  server.delete_object("configmaps", "ns", "doomed");
  server.put_object("configmaps", config_map("ns", "keep", "v2"));
  server.put_object("configmaps", config_map("ns", "born"));
  server.compact();
  server.start();

  ASSERT_TRUE(recorder.wait_for("tombstone ns/doomed"));
  ASSERT_TRUE(recorder.wait_for("update ns/keep v->v2"));
  ASSERT_TRUE(recorder.wait_for("add ns/born"));
  EXPECT_GT(informer.list_count(), lists_before);
  EXPECT_EQ(informer.indexer().size(), 2u);

  // An ERROR 410 on an open watch also relists.
  const auto lists_mid = informer.list_count();
  ASSERT_TRUE(eventually([&] { return server.open_watches() >= 1; }));
  server.expire_watches();
  ASSERT_TRUE(eventually([&] { return informer.list_count() > lists_mid; }));
  server.put_object("configmaps", config_map("ns", "after"));
  ASSERT_TRUE(recorder.wait_for("add ns/after"));
  EXPECT_EQ(recorder.count("add ns/keep"), 1u) << "a relist must not re-add unchanged objects";
  informer.stop();
}

TEST(Informer, SurvivesServerRestartWithoutRelisting) {
  FakeApiServer server;
  server.put_object("configmaps", config_map("ns", "a"));
  Client client(config_for(server));
  SharedInformer informer(client, resources::kConfigMaps, fast_backoff());
  Recorder recorder;
  informer.add_event_handler(recorder.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(kTimeout));
  ASSERT_TRUE(eventually([&] { return server.watch_requests("configmaps") >= 1; }));

  server.stop();
  server.put_object("configmaps", config_map("ns", "while-down"));  // kept in history
  std::this_thread::sleep_for(300ms);                                // let a reconnect attempt fail
  server.start();
  ASSERT_TRUE(recorder.wait_for("add ns/while-down"));
  server.put_object("configmaps", config_map("ns", "after"));
  ASSERT_TRUE(recorder.wait_for("add ns/after"));
  EXPECT_EQ(informer.list_count(), 1u) << "the watch resumes from its resourceVersion";
  informer.stop();
}

TEST(Informer, ClosedWatchIsReopened) {
  FakeApiServer server;
  Client client(config_for(server));
  SharedInformer informer(client, resources::kConfigMaps, fast_backoff());
  Recorder recorder;
  informer.add_event_handler(recorder.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(kTimeout));
  ASSERT_TRUE(eventually([&] { return server.open_watches() >= 1; }));
  server.close_watches();
  ASSERT_TRUE(eventually([&] { return server.watch_requests("configmaps") >= 2; }));
  server.put_object("configmaps", config_map("ns", "x"));
  ASSERT_TRUE(recorder.wait_for("add ns/x"));
}

TEST(Informer, LateHandlerGetsCachedObjectsAndResync) {
  FakeApiServer server;
  server.put_object("configmaps", config_map("ns", "a"));
  server.put_object("configmaps", config_map("ns", "b"));
  Client client(config_for(server));
  SharedInformer informer(client, resources::kConfigMaps, fast_backoff());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(kTimeout));
  Recorder late;
  informer.add_event_handler(late.handlers(), 100ms);
  ASSERT_TRUE(late.wait_for("add ns/a"));
  ASSERT_TRUE(late.wait_for("add ns/b"));
  // Resync re-delivers cached objects as updates with old == new.
  ASSERT_TRUE(late.wait_for("update ns/a v->v"));
  EXPECT_EQ(late.count("add ns/a"), 1u);
}

TEST(Informer, FactorySharesOneInformerPerResource) {
  FakeApiServer server;
  server.put_object("configmaps", config_map("ns", "a"));
  Client client(config_for(server));
  SharedInformerFactory factory(client);
  auto first = factory.informer_for(resources::kConfigMaps);
  auto second = factory.informer_for(resources::kConfigMaps);
  auto selected = factory.informer_for(resources::kConfigMaps, "app=x");
  EXPECT_EQ(first.get(), second.get());
  EXPECT_NE(first.get(), selected.get());
  Recorder r1, r2;
  first->add_event_handler(r1.handlers());
  second->add_event_handler(r2.handlers());
  factory.start();
  ASSERT_TRUE(factory.wait_for_cache_sync(kTimeout));
  ASSERT_TRUE(r1.wait_for("add ns/a"));
  ASSERT_TRUE(r2.wait_for("add ns/a"));
  EXPECT_EQ(server.list_requests("configmaps"), 2) << "one list for the shared informer, one for the selected one";
  factory.shutdown();
}

TEST(Informer, StopsPromptlyWhileServerIsDown) {
  FakeApiServer server;
  Client client(config_for(server));
  auto informer = std::make_unique<SharedInformer>(client, resources::kConfigMaps, fast_backoff());
  informer->start();
  ASSERT_TRUE(informer->wait_for_sync(kTimeout));
  server.stop();
  std::this_thread::sleep_for(200ms);
  informer->stop();  // must not hang in backoff or a blocked watch
  SUCCEED();
}
