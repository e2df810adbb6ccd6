#include "etcd_test_server.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace k3s::testing {

namespace {

constexpr const char* kEtcdBinary = "/usr/bin/etcd";
constexpr auto kStartTimeout = std::chrono::seconds(60);

}  // namespace

EtcdTestServer::EtcdTestServer() {
  if (::access(kEtcdBinary, X_OK) != 0)
    throw std::runtime_error("test harness: etcd is not installed (scripts/deps.sh test installs etcd-server)");
  port_ = free_tcp_port();
  peer_port_ = free_tcp_port();
  start();
}

EtcdTestServer::~EtcdTestServer() { server_.stop(SIGTERM); }

std::string EtcdTestServer::endpoint(const std::string&) const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void EtcdTestServer::start() {
  if (server_.running()) return;
  std::string client_url = endpoint();
  std::string peer_url = "http://127.0.0.1:" + std::to_string(peer_port_);
  std::string log = dir_.path() + "/etcd-" + std::to_string(++starts_) + ".log";
  server_.spawn({kEtcdBinary, "--name", "test", "--data-dir", dir_.path() + "/data", "--listen-client-urls", client_url,
                 "--advertise-client-urls", client_url, "--listen-peer-urls", peer_url,
                 "--initial-advertise-peer-urls", peer_url, "--initial-cluster", "test=" + peer_url,
                 // Let the store's own 1.5 MiB value limit be what a test of the limit meets.
                 "--max-request-bytes", "3145728", "--logger", "zap", "--log-outputs", "stderr"},
                log);
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (tail_of_file(log, 1 << 20).find("serving client traffic") == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("test harness: etcd did not start:\n" + tail_of_file(log));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void EtcdTestServer::stop() { server_.stop(SIGTERM); }

}  // namespace k3s::testing
