// The API client against the real `k3s server --disable-agent`: CRUD, watch, informers,
// leader election between two clients, events, discovery, and an informer surviving a
// server restart.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <thread>

#include "client/client.h"
#include "client/events.h"
#include "client/informer.h"
#include "client/kubeconfig.h"
#include "client/leader_election.h"
#include "client/rest_mapper.h"

extern char** environ;

using namespace k3s::client;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr auto kTimeout = 90s;  // generous: the machine is shared and slow

bool eventually(const std::function<bool()>& condition, std::chrono::seconds timeout = kTimeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (condition()) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

int free_port() {
  // Let the kernel pick: bind to port 0 through a throwaway socket.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

// One `k3s server --disable-agent` in a temporary data dir.
class K3sServer {
 public:
  K3sServer() {
    char pattern[] = "/tmp/k3s-client-e2e-XXXXXX";
    dir_ = mkdtemp(pattern);
    port_ = free_port();
    kubeconfig_ = dir_ + "/kubeconfig.yaml";
  }
  ~K3sServer() {
    stop();
    if (!keep_) fs::remove_all(dir_);
  }

  void start() {
    const std::string port = std::to_string(port_);
    std::vector<std::string> args = {K3S_BIN,   "server", "--disable-agent", "--data-dir", dir_ + "/data",
                                     "--https-listen-port", port, "--bind-address", "127.0.0.1",
                                     "--write-kubeconfig", kubeconfig_};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = dir_ + "/server.log";
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawn(&pid_, K3S_BIN, &actions, nullptr, argv.data(), environ) != 0) pid_ = 0;
    posix_spawn_file_actions_destroy(&actions);
  }

  // Ready when the kubeconfig exists and a namespace list answers.
  bool wait_ready() {
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pid_ == 0 || waitpid(pid_, nullptr, WNOHANG) != 0) {
        last_error_ = "the server exited";
        pid_ = 0;
        return false;
      }
      try {
        if (fs::exists(kubeconfig_) && fs::file_size(kubeconfig_) > 0) {
          Client client(config());
          client.list(resources::kNamespaces, "");
          return true;
        }
      } catch (const std::exception& e) {
        last_error_ = e.what();
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }
  const std::string& last_error() const { return last_error_; }
  void keep_files() { keep_ = true; }

  void stop() {
    if (pid_ == 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 300; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return;
      }
      std::this_thread::sleep_for(100ms);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = 0;
  }

  RestConfig config() const {
    LoadingRules rules;
    rules.explicit_path = kubeconfig_;
    RestConfig config = build_config(rules);
    config.timeout = 30s;
    return config;
  }
  std::string log_tail() const {
    std::ifstream in(dir_ + "/server.log");
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return all.size() > 3000 ? all.substr(all.size() - 3000) : all;
  }

 private:
  std::string dir_, kubeconfig_;
  int port_ = 0;
  pid_t pid_ = 0;
  std::string last_error_;
  bool keep_ = false;
};

Json config_map(const std::string& ns, const std::string& name, const std::string& value = "v") {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"suite", "client-e2e"}}}}},
          {"data", {{"k", value}}}};
}

class ClientE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new K3sServer();
    server_->start();
    ready_ = server_->wait_ready();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(ready_) << "k3s server did not become ready (" << server_->last_error() << "):\n" << server_->log_tail();
  }
  void TearDown() override {
    if (HasFailure()) server_->keep_files();
  }

  static K3sServer* server_;
  static bool ready_;
};
K3sServer* ClientE2E::server_ = nullptr;
bool ClientE2E::ready_ = false;

class Events {
 public:
  void add(std::string line) {
    std::lock_guard lock(mu_);
    lines_.push_back(std::move(line));
    cv_.notify_all();
  }
  bool wait_for(const std::string& line) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kTimeout, [&] { return std::find(lines_.begin(), lines_.end(), line) != lines_.end(); });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

}  // namespace

TEST_F(ClientE2E, ConfigMapCrudPatchAndErrors) {
  Client client(server_->config());
  const std::string ns = "default";
  Json created = client.create(resources::kConfigMaps, config_map(ns, "crud"));
  EXPECT_FALSE(created["metadata"]["uid"].get<std::string>().empty());
  try {
    client.create(resources::kConfigMaps, config_map(ns, "crud"));
    FAIL() << "duplicate create succeeded";
  } catch (const ApiError& e) {
    EXPECT_TRUE(e.is_already_exists()) << e.reason() << ": " << e.what();
    EXPECT_EQ(e.code(), 409);
  }

  Json listed = client.list(resources::kConfigMaps, ns, ListOptions{.label_selector = "suite=client-e2e"});
  bool found = false;
  for (const auto& item : listed["items"]) found |= item["metadata"]["name"] == "crud";
  EXPECT_TRUE(found);
  EXPECT_FALSE(listed["metadata"]["resourceVersion"].get<std::string>().empty());

  Json merged = client.patch(resources::kConfigMaps, ns, "crud", PatchType::merge, Json{{"data", {{"m", "1"}}}});
  EXPECT_EQ(merged["data"]["m"], "1");
  Json strategic =
      client.patch(resources::kConfigMaps, ns, "crud", PatchType::strategic, Json{{"data", {{"s", "2"}}}});
  EXPECT_EQ(strategic["data"]["s"], "2");
  Json json_patched = client.patch(resources::kConfigMaps, ns, "crud", PatchType::json,
                                   Json::array({{{"op", "remove"}, {"path", "/data/m"}}}));
  EXPECT_FALSE(json_patched["data"].contains("m"));

  Json stale = client.get(resources::kConfigMaps, ns, "crud");
  Json fresh = stale;
  fresh["data"]["k"] = "updated";
  client.update(resources::kConfigMaps, fresh);
  stale["data"]["k"] = "lost";
  try {
    client.update(resources::kConfigMaps, stale);
    FAIL() << "stale update succeeded";
  } catch (const ApiError& e) {
    EXPECT_TRUE(e.is_conflict()) << e.reason() << ": " << e.what();
  }

  // Dry run changes nothing.
  client.create(resources::kConfigMaps, config_map(ns, "dry"), WriteOptions{.dry_run = {"All"}});
  EXPECT_THROW(client.get(resources::kConfigMaps, ns, "dry"), ApiError);

  client.remove(resources::kConfigMaps, ns, "crud");
  try {
    client.get(resources::kConfigMaps, ns, "crud");
    FAIL() << "deleted object still readable";
  } catch (const ApiError& e) {
    EXPECT_TRUE(e.is_not_found());
    EXPECT_EQ(e.message(), "configmaps \"crud\" not found");
  }

  // Delete preconditions and delete-collection by label.
  Json guarded = client.create(resources::kConfigMaps, config_map(ns, "guarded"));
  try {
    client.remove(resources::kConfigMaps, ns, "guarded", DeleteOptions{.precondition_uid = "not-the-uid"});
    FAIL() << "delete with a wrong uid precondition succeeded";
  } catch (const ApiError& e) {
    EXPECT_TRUE(e.is_conflict()) << e.reason() << ": " << e.what();
  }
  client.remove(resources::kConfigMaps, ns, "guarded",
                DeleteOptions{.precondition_uid = guarded["metadata"]["uid"].get<std::string>()});
  for (int i = 0; i < 3; ++i) {
    Json cm = config_map(ns, "bulk-" + std::to_string(i));
    cm["metadata"]["labels"]["bulk"] = "yes";
    client.create(resources::kConfigMaps, cm);
  }
  client.delete_collection(resources::kConfigMaps, ns, ListOptions{.label_selector = "bulk=yes"});
  EXPECT_TRUE(eventually([&] {
    return client.list(resources::kConfigMaps, ns, ListOptions{.label_selector = "bulk=yes"})["items"].empty();
  }));

  auto version = client.raw("GET", "/version");
  EXPECT_EQ(version.status, 200);
  EXPECT_NE(version.body.find("gitVersion"), std::string::npos);
}

TEST_F(ClientE2E, WatchSeesChangesFromListResourceVersion) {
  Client client(server_->config());
  const std::string ns = "default";
  Json list = client.list(resources::kConfigMaps, ns);
  auto watch = client.watch(resources::kConfigMaps, ns,
                            ListOptions{.resource_version = list["metadata"]["resourceVersion"].get<std::string>()});
  client.create(resources::kConfigMaps, config_map(ns, "watched"));
  client.patch(resources::kConfigMaps, ns, "watched", PatchType::merge, Json{{"data", {{"k", "2"}}}});
  client.remove(resources::kConfigMaps, ns, "watched");
  std::vector<std::string> seen;
  while (seen.size() < 3) {
    auto event = watch->next();
    ASSERT_TRUE(event) << "watch ended early";
    if (event->object["metadata"]["name"] != "watched") continue;
    seen.push_back(to_string(event->type));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED", "MODIFIED", "DELETED"}));
  watch->stop();
}

TEST_F(ClientE2E, InformerSeesAddsUpdatesDeletes) {
  Client client(server_->config());
  client.create(resources::kNamespaces, {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "informer-e2e"}}}});
  client.create(resources::kConfigMaps, config_map("informer-e2e", "before"));
  SharedInformerFactory factory(client, 0ms, "informer-e2e");
  auto informer = factory.informer_for(resources::kConfigMaps);
  Events events;
  informer->add_event_handler(
      {[&](const ObjectPtr& o) { events.add("add " + object_key(*o)); },
       [&](const ObjectPtr&, const ObjectPtr& o) { events.add("update " + object_key(*o) + " " + o->at("data").value("k", "")); },
       [&](const DeletedObject& d) { events.add("delete " + d.key); }});
  factory.start();
  ASSERT_TRUE(factory.wait_for_cache_sync(kTimeout));
  ASSERT_TRUE(events.wait_for("add informer-e2e/before"));
  client.create(resources::kConfigMaps, config_map("informer-e2e", "after"));
  ASSERT_TRUE(events.wait_for("add informer-e2e/after"));
  client.patch(resources::kConfigMaps, "informer-e2e", "after", PatchType::merge, Json{{"data", {{"k", "changed"}}}});
  ASSERT_TRUE(events.wait_for("update informer-e2e/after changed"));
  client.remove(resources::kConfigMaps, "informer-e2e", "after");
  ASSERT_TRUE(events.wait_for("delete informer-e2e/after"));
  EXPECT_NE(informer->indexer().get("informer-e2e/before"), nullptr);
  EXPECT_EQ(informer->indexer().get("informer-e2e/after"), nullptr);
  factory.shutdown();
}

TEST_F(ClientE2E, LeaderElectionOneWinnerThenTakeover) {
  Client client_a(server_->config()), client_b(server_->config());
  auto make = [](const std::string& id, std::atomic<int>& started) {
    LeaderElectionConfig c;
    c.lease_name = "client-e2e-lock";
    c.identity = id;
    // Long enough that a holder on a heavily loaded machine still renews in time (with 4 s it
    // once lost the lease while alive and the test saw a takeover it had not caused).
    c.lease_duration = 12s;
    c.renew_deadline = 8s;
    c.retry_period = 1s;
    c.release_on_cancel = false;  // simulate a holder that just stops renewing
    c.on_started_leading = [&started](std::stop_token token) {
      ++started;
      while (!token.stop_requested()) std::this_thread::sleep_for(20ms);
    };
    return c;
  };
  std::atomic<int> started_a{0}, started_b{0};
  LeaderElector a(client_a, make("candidate-a", started_a));
  std::thread thread_a([&] { a.run(); });
  ASSERT_TRUE(eventually([&] { return a.is_leader(); }));
  LeaderElector b(client_b, make("candidate-b", started_b));
  std::thread thread_b([&] { b.run(); });
  ASSERT_TRUE(eventually([&] { return b.leader() == "candidate-a"; }));
  std::this_thread::sleep_for(2s);
  EXPECT_FALSE(b.is_leader()) << "two leaders at once";
  EXPECT_EQ(started_b, 0);

  Json lease = client_a.get(resources::kLeases, "kube-system", "client-e2e-lock");
  EXPECT_EQ(lease["spec"]["holderIdentity"], "candidate-a");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 12);

  a.stop();
  thread_a.join();
  ASSERT_TRUE(eventually([&] { return b.is_leader(); }));
  EXPECT_EQ(started_b, 1);
  lease = client_b.get(resources::kLeases, "kube-system", "client-e2e-lock");
  EXPECT_EQ(lease["spec"]["holderIdentity"], "candidate-b");
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 1);
  b.stop();
  thread_b.join();
}

TEST_F(ClientE2E, EventsAggregateRepeats) {
  Client client(server_->config());
  Json cm = client.create(resources::kConfigMaps, config_map("default", "evented"));
  {
    EventRecorder recorder(client, "client-e2e");
    for (int i = 0; i < 3; ++i) recorder.event(cm, kEventTypeNormal, "Tested", "the same message");
    recorder.flush();
  }
  Json events = client.list(resources::kEvents, "default",
                            ListOptions{.field_selector = "involvedObject.name=evented"});
  ASSERT_EQ(events["items"].size(), 1u) << events.dump(2);
  EXPECT_EQ(events["items"][0]["count"], 3);
  EXPECT_EQ(events["items"][0]["reason"], "Tested");
  EXPECT_EQ(events["items"][0]["source"]["component"], "client-e2e");
}

TEST_F(ClientE2E, DiscoveryMapsRealResources) {
  Client client(server_->config());
  auto& mapper = client.mapper();
  EXPECT_EQ(mapper.resource_for("cm").gvr, resources::kConfigMaps);
  EXPECT_EQ(mapper.resource_for("leases").gvr, resources::kLeases);
  EXPECT_FALSE(mapper.resource_for("ns").namespaced);
  EXPECT_EQ(mapper.resource_for_kind("v1", "ConfigMap").gvr, resources::kConfigMaps);
  auto versions = mapper.api_versions();
  EXPECT_NE(std::find(versions.begin(), versions.end(), "v1"), versions.end());
  EXPECT_NE(std::find(versions.begin(), versions.end(), "coordination.k8s.io/v1"), versions.end());
}

// Last: restarts the shared server.
TEST_F(ClientE2E, ZInformerSurvivesServerRestart) {
  Client client(server_->config());
  SharedInformer informer(client, resources::kConfigMaps,
                          InformerOptions{.namespace_ = "default", .initial_backoff = 200ms, .max_backoff = 2000ms});
  Events events;
  informer.add_event_handler({[&](const ObjectPtr& o) { events.add("add " + object_key(*o)); }, nullptr, nullptr});
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(kTimeout));
  server_->stop();
  server_->start();
  ASSERT_TRUE(server_->wait_ready()) << server_->last_error() << "\n" << server_->log_tail();
  client.create(resources::kConfigMaps, config_map("default", "after-restart"));
  ASSERT_TRUE(events.wait_for("add default/after-restart"));
  informer.stop();
}
