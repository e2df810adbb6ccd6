#include "embedded_agent.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <spdlog/spdlog.h>

#include "agent/node.h"
#include "client/client.h"

namespace k3s::server {

EmbeddedAgent::EmbeddedAgent(const cli::ServerConfig& config, const ServerCerts& certs, int api_port)
    : config_(config), certs_(certs), api_port_(api_port) {}

EmbeddedAgent::~EmbeddedAgent() { stop(); }

void EmbeddedAgent::start() {
  starter_ = std::thread([this] { run(); });
}

void EmbeddedAgent::run() {
  const std::string api_url = "https://127.0.0.1:" + std::to_string(api_port_);
  const cli::AgentConfig& agent = config_.agent;
  const std::string node_name = agent::node_name_for(agent);
  try {
    // The address the kubelet will report must be in its serving certificate, or the API
    // server (which dials the node's InternalIP for logs and exec) refuses the kubelet.
    std::vector<std::string> node_ips = agent.node_ips;
    if (node_ips.empty()) node_ips.push_back(kubelet::detect_node_ip());
    std::vector<std::string> sans = node_ips;
    sans.insert(sans.end(), agent.node_external_ips.begin(), agent.node_external_ips.end());
    sans.push_back(node_name);
    NodeCertPaths paths = write_node_credentials(certs_, agent.data_dir + "/agent", node_name, sans, api_url);

    agent::NodeOptions options;
    options.containerd.data_dir = agent.data_dir;
    options.containerd.pause_image = agent.pause_image;
    options.containerd.snapshotter = agent.snapshotter;
    options.containerd.default_runtime = agent.default_runtime;
    options.containerd.private_registry = agent.private_registry;
    options.container_runtime_endpoint = agent.container_runtime_endpoint;
    auto& kubelet = options.kubelet;
    kubelet.node_name = node_name;
    kubelet.api = client::config_from_certificates(api_url, paths.server_ca, paths.client_cert, paths.client_key);
    kubelet.cluster_dns = {config_.cluster_dns};
    kubelet.cluster_domain = config_.cluster_domain;
    kubelet.resolv_conf = agent.resolv_conf;
    kubelet.node_ips = node_ips;
    kubelet.node_external_ips = agent.node_external_ips;
    kubelet.node_labels = agent.node_labels;
    kubelet.node_taints = agent.node_taints;
    kubelet.control_plane = true;
    kubelet.serving_cert = paths.serving_cert;
    kubelet.serving_key = paths.serving_key;
    kubelet.client_ca_file = paths.client_ca;
    kubelet.pause_image = agent.pause_image;
    kubelet.extra_args = agent.kubelet_args;
    if (stopping_) return;
    node_ = std::make_unique<agent::Node>(std::move(options));
    node_->start();
    spdlog::info("Embedded agent running node {}", node_name);
  } catch (const std::exception& e) {
    spdlog::error("Embedded agent for node {} failed to start: {}", node_name, e.what());
  }
}

void EmbeddedAgent::stop() {
  stopping_ = true;
  if (starter_.joinable()) starter_.join();
  if (node_) node_->stop();
  node_.reset();
}

}  // namespace k3s::server
