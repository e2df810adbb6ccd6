// `k3s kine`: the datastore on its own, serving the etcd v3 API until SIGTERM/SIGINT.
#include <signal.h>

#include <filesystem>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "kine/server.h"

namespace k3s::kine {

namespace {

// Blocks the termination signals in every thread and waits for one on a dedicated thread,
// so shutdown runs as ordinary code instead of inside a signal handler.
int wait_for_termination_signal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  int received = 0;
  sigwait(&signals, &received);
  return received;
}

}  // namespace

int run_kine(const cli::KineConfig& config) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  StoreConfig store_config;
  store_config.endpoint = config.endpoint;
  if (config.endpoint.empty()) {
    std::string data_dir = config.data_dir.empty() ? "." : config.data_dir;
    store_config.default_sqlite_path = (std::filesystem::path(data_dir) / "server" / "db" / "state.db").string();
  }
  store_config.ca_file = config.ca_file;
  store_config.cert_file = config.cert_file;
  store_config.key_file = config.key_file;
  store_config.compact_interval_seconds = config.compact_interval_seconds;
  store_config.compact_keep_revisions = config.compact_keep_revisions;

  // The signal may come while the datastore is still being retried at start-up; then
  // there is nothing to shut down gracefully and the process just leaves.
  std::mutex mutex;
  EtcdServer* serving = nullptr;
  bool stopping = false;
  int received = 0;
  std::thread waiter([&] {
    received = wait_for_termination_signal();
    std::lock_guard lock(mutex);
    stopping = true;
    if (serving) {
      serving->shutdown();
    } else {
      std::cerr << "k3s kine: stopped by signal " << received << " before the datastore was open" << std::endl;
      std::_Exit(1);
    }
  });
  waiter.detach();

  std::unique_ptr<Store> store;
  std::unique_ptr<EtcdServer> server;
  try {
    store = open_store(store_config);
    EtcdServerOptions options;
    options.listen_address = config.listen_address;
    options.cert_file = config.server_cert_file;
    options.key_file = config.server_key_file;
    server = serve_etcd_api(*store, options);
  } catch (const std::exception& error) {
    std::cerr << "k3s kine: " << error.what() << std::endl;
    return 1;
  }
  {
    std::lock_guard lock(mutex);
    serving = server.get();
    if (stopping) server->shutdown();
  }
  server->wait();
  {
    std::lock_guard lock(mutex);
    serving = nullptr;
  }
  spdlog::info("kine: stopped on signal {}", received);
  server.reset();
  store.reset();
  return 0;
}

}  // namespace k3s::kine
