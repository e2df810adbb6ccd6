// The agent `k3s server` runs in process unless --disable-agent: node credentials issued
// locally from the server's CAs, then containerd (supervised) and the kubelet as a
// control-plane node.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "bootstrap.h"
#include "cli/config.h"

namespace k3s::agent {
class Node;
}

namespace k3s::server {

class EmbeddedAgent {
 public:
  EmbeddedAgent(const cli::ServerConfig& config, const ServerCerts& certs, int api_port);
  ~EmbeddedAgent();
  // Starts in the background: the API keeps serving while containerd comes up.
  void start();
  void stop();

 private:
  void run();

  const cli::ServerConfig& config_;
  const ServerCerts& certs_;
  int api_port_;
  std::unique_ptr<agent::Node> node_;
  std::thread starter_;
  std::atomic<bool> stopping_{false};
};


}  // namespace k3s::server
