#include "backends.h"

#include <unistd.h>

#include <atomic>
#include <memory>

#include "etcd_test_server.h"

namespace k3s::kine::testing {
namespace {

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

k3s::testing::TempDir& sqlite_root() {
  static k3s::testing::TempDir dir("k3s-kine-sqlite");
  return dir;
}

std::unique_ptr<k3s::testing::EtcdTestServer>& current_etcd() {
  static std::unique_ptr<k3s::testing::EtcdTestServer> server;
  return server;
}

}  // namespace

StoreConfig test_config(const std::string& endpoint) {
  StoreConfig config;
  config.endpoint = endpoint;
  config.default_sqlite_path = sqlite_root().path() + "/default/state.db";
  config.compact_interval_seconds = 0;
  config.poll_interval_ms = 100;
  config.max_connect_attempts = 3;
  return config;
}

std::vector<Backend> conformance_backends() {
  std::vector<Backend> backends;
  backends.push_back(Backend{
      "sqlite",
      [] { return "sqlite://" + sqlite_root().path() + "/" + unique_name("db") + "/state.db"; },
      [] { return static_cast<k3s::testing::DatabaseServer*>(nullptr); },
      false,
      false});
  backends.push_back(Backend{
      "postgres",
      [] { return k3s::testing::PostgresServer::shared().endpoint(unique_name("kine_")); },
      []() -> k3s::testing::DatabaseServer* { return &k3s::testing::PostgresServer::shared(); },
      true,
      true});
  backends.push_back(Backend{
      "mariadb",
      [] { return k3s::testing::MariadbServer::shared().endpoint(unique_name("kine_")); },
      []() -> k3s::testing::DatabaseServer* { return &k3s::testing::MariadbServer::shared(); },
      true,
      true});
  // The etcd pass-through: every fresh endpoint is a new etcd (one keyspace per server);
  // the previous test's etcd is stopped then, so only one runs at a time.
  backends.push_back(Backend{
      "etcd",
      [] {
        auto& current = current_etcd();
        current.reset();
        current = std::make_unique<k3s::testing::EtcdTestServer>();
        return current->endpoint();
      },
      []() -> k3s::testing::DatabaseServer* { return current_etcd().get(); },
      true,
      true});
  return backends;
}

}  // namespace k3s::kine::testing
