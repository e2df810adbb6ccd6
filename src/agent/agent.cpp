#include "agent/agent.h"

#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <fstream>
#include <thread>

#include "agent/join.h"
#include "agent/node.h"
#include "client/kubeconfig.h"
#include "tunnel/tunnel.h"

namespace k3s::agent {

namespace {

sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

std::string read_token(const cli::AgentConfig& config) {
  if (!config.token.empty()) return config.token;
  if (config.token_file.empty()) return {};
  std::ifstream in(config.token_file);
  if (!in) throw JoinRefused("cannot read the token file " + config.token_file);
  std::string token;
  std::getline(in, token);
  return token;
}

int kubelet_port(const cli::AgentConfig& config) {
  for (const auto& arg : config.kubelet_args) {
    if (arg.rfind("port=", 0) == 0) {
      try {
        return std::stoi(arg.substr(5));
      } catch (...) {
      }
    }
  }
  return 10250;
}

}  // namespace

int run_agent(const cli::AgentConfig& config) {
  // glibc gives each thread that allocates its own arena, up to 8 per core; the kubelet runs a
  // thread per pod, so with 50 pods most of the agent's anonymous memory was arena headroom and
  // fragmentation (16 arenas, ~7 MB resident for ~4 MB in use). Two arenas hold the same data
  // in about 2 MB less; the agent's threads mostly wait on I/O, so lock contention is no issue.
  mallopt(M_ARENA_MAX, 2);
  sigset_t stop_signals = block_stop_signals();
  if (config.server_url.empty()) {
    spdlog::error("agent: --server (or K3S_URL) is required");
    return 1;
  }
  // A signal during the (possibly long) join must still stop us.
  std::atomic<bool> stopping{false};
  std::atomic<bool> done{false};
  std::thread signal_waiter([&] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    if (done) return;
    spdlog::info("Received {}; shutting down", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
    stopping = true;
  });
  auto finish = [&](int code) {
    done = true;
    if (!stopping) {
      // Wake the signal thread so it can be joined.
      pthread_kill(signal_waiter.native_handle(), SIGTERM);
    }
    signal_waiter.join();
    return code;
  };

  const std::string node_name = node_name_for(config);
  JoinResult joined;
  try {
    JoinOptions join;
    join.server_url = config.server_url;
    while (!join.server_url.empty() && join.server_url.back() == '/') join.server_url.pop_back();
    join.token = read_token(config);
    join.agent_dir = config.data_dir + "/agent";
    join.node_name = node_name;
    join.node_ips = config.node_ips;
    if (join.node_ips.empty()) {
      std::string detected = local_address_towards(join.server_url);
      if (!detected.empty()) join.node_ips.push_back(detected);
    }
    join.node_external_ips = config.node_external_ips;
    join.stopping = [&] { return stopping.load(); };
    join.on_retry = [&](const std::string& why) {
      spdlog::info("Waiting to join the server at {}: {}", join.server_url, why);
    };
    spdlog::info("Joining {} as node {}", join.server_url, node_name);
    joined = join_cluster(join);
    spdlog::info("Joined {}; kubelet credentials in {}", join.server_url, join.agent_dir);
  } catch (const JoinRefused& e) {
    if (stopping) return finish(0);
    spdlog::error("{}", e.what());
    return finish(1);
  } catch (const std::exception& e) {
    spdlog::error("agent: {}", e.what());
    return finish(1);
  }

  const int port = kubelet_port(config);
  tunnel::AgentTunnelOptions tunnel_options;
  tunnel_options.server_url = config.server_url;
  tunnel_options.client.ca_file = joined.server_ca;
  tunnel_options.client.cert_file = joined.client_cert;
  tunnel_options.client.key_file = joined.client_key;
  tunnel_options.client.timeout = std::chrono::seconds(30);
  std::vector<std::string> own_addresses = joined.node_ips;
  own_addresses.insert(own_addresses.end(), config.node_external_ips.begin(), config.node_external_ips.end());
  tunnel_options.allow = tunnel::allow_node_ports(own_addresses, {std::to_string(port)});
  tunnel_options.on_state = [](bool up, const std::string& detail) {
    if (up)
      spdlog::info("Tunnel to {} connected", detail);
    else
      spdlog::warn("Tunnel down ({}); reconnecting", detail);
  };
  tunnel::AgentTunnel agent_tunnel(tunnel_options);

  NodeOptions options;
  options.containerd.data_dir = config.data_dir;
  options.containerd.pause_image = config.pause_image;
  options.containerd.snapshotter = config.snapshotter;
  options.containerd.default_runtime = config.default_runtime;
  options.containerd.private_registry = config.private_registry;
  options.container_runtime_endpoint = config.container_runtime_endpoint;
  auto& kubelet = options.kubelet;
  kubelet.node_name = node_name;
  kubelet.api = client::config_from_certificates(config.server_url, joined.server_ca, joined.client_cert,
                                                 joined.client_key);
  kubelet.cluster_dns = joined.settings.cluster_dns;
  kubelet.cluster_domain = joined.settings.cluster_domain;
  kubelet.resolv_conf = config.resolv_conf;
  kubelet.node_ips = joined.node_ips;
  kubelet.node_external_ips = config.node_external_ips;
  kubelet.node_labels = config.node_labels;
  kubelet.node_taints = config.node_taints;
  kubelet.serving_cert = joined.serving_cert;
  kubelet.serving_key = joined.serving_key;
  kubelet.client_ca_file = joined.client_ca;
  kubelet.port = port;
  // The agent's own --pause-image wins; else the server's, else the built-in default.
  const bool pause_given = config.pause_image != cli::AgentConfig{}.pause_image;
  kubelet.pause_image = pause_given || joined.settings.pause_image.empty() ? config.pause_image
                                                                            : joined.settings.pause_image;
  options.containerd.pause_image = kubelet.pause_image;
  kubelet.extra_args = config.kubelet_args;

  // The node (containerd + kubelet) starts in the background and is retried with backoff,
  // so the tunnel stays up and a stop signal is handled while the runtime is missing.
  std::mutex node_mu;
  std::condition_variable node_cv;
  std::unique_ptr<Node> node;
  std::thread starter([&] {
    auto backoff = std::chrono::seconds(1);
    while (!stopping) {
      try {
        auto candidate = std::make_unique<Node>(options);
        candidate->start();
        std::lock_guard lock(node_mu);
        node = std::move(candidate);
        spdlog::info("Agent running node {}", node_name);
        return;
      } catch (const std::exception& e) {
        spdlog::error("agent: cannot start node {}: {}; retrying in {}s", node_name, e.what(), backoff.count());
      }
      std::unique_lock lock(node_mu);
      node_cv.wait_for(lock, backoff, [&] { return stopping.load(); });
      backoff = std::min(std::chrono::seconds(30), backoff * 2);
    }
  });

  signal_waiter.join();  // returns once SIGTERM/SIGINT arrived
  {
    std::lock_guard lock(node_mu);
    stopping = true;
  }
  node_cv.notify_all();
  starter.join();
  if (node) node->stop();
  agent_tunnel.stop();
  spdlog::info("Agent stopped");
  return 0;
}

}  // namespace k3s::agent
