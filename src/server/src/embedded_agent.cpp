#include "embedded_agent.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <spdlog/spdlog.h>

#include "agent/node.h"
#include "client/client.h"

namespace k3s::server {
namespace {

client::Json cluster_role_for_nodes() {
  using client::Json;
  const auto rule = [](std::vector<std::string> groups, std::vector<std::string> resources, std::vector<std::string> verbs) {
    return Json{{"apiGroups", groups}, {"resources", resources}, {"verbs", verbs}};
  };
  const std::vector<std::string> read{"get", "list", "watch"};
  return Json{{"apiVersion", "rbac.authorization.k8s.io/v1"},
              {"kind", "ClusterRole"},
              {"metadata", {{"name", "system:k3s-node"}}},
              {"rules", Json::array({
                            rule({""}, {"nodes"}, {"get", "list", "watch", "create", "update", "patch", "delete"}),
                            rule({""}, {"nodes/status"}, {"patch", "update"}),
                            rule({""}, {"pods"}, {"get", "list", "watch", "create", "delete"}),
                            rule({""}, {"pods/status"}, {"patch", "update"}),
                            rule({""}, {"pods/eviction"}, {"create"}),
                            rule({""}, {"events"}, {"create", "patch", "update"}),
                            rule({"events.k8s.io"}, {"events"}, {"create", "patch", "update"}),
                            rule({""}, {"configmaps", "secrets", "services", "endpoints", "persistentvolumeclaims",
                                        "persistentvolumes", "namespaces"},
                                 read),
                            rule({""}, {"serviceaccounts"}, {"get"}),
                            rule({""}, {"serviceaccounts/token"}, {"create"}),
                            rule({"coordination.k8s.io"}, {"leases"}, {"get", "list", "watch", "create", "update", "patch", "delete"}),
                            rule({"storage.k8s.io"}, {"csidrivers", "csinodes", "volumeattachments"}, read),
                            rule({"node.k8s.io"}, {"runtimeclasses"}, read),
                            rule({"discovery.k8s.io"}, {"endpointslices"}, read),
                        })}};
}

}  // namespace

void ensure_node_rbac(const std::string& api_url, const ServerCerts& certs) {
  client::Client api(client::config_from_certificates(api_url, certs.server_ca.cert_file, certs.supervisor_cert,
                                                      certs.supervisor_key));
  const client::GroupVersionResource roles{"rbac.authorization.k8s.io", "v1", "clusterroles"};
  const client::GroupVersionResource bindings{"rbac.authorization.k8s.io", "v1", "clusterrolebindings"};
  client::Json binding{{"apiVersion", "rbac.authorization.k8s.io/v1"},
                       {"kind", "ClusterRoleBinding"},
                       {"metadata", {{"name", "system:k3s-node"}}},
                       {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "system:k3s-node"}}},
                       {"subjects", client::Json::array({{{"apiGroup", "rbac.authorization.k8s.io"},
                                                           {"kind", "Group"},
                                                           {"name", "system:nodes"}}})}};
  for (auto [gvr, object] : {std::pair{roles, cluster_role_for_nodes()}, std::pair{bindings, binding}}) {
    try {
      api.create(gvr, object);
    } catch (const client::ApiError& e) {
      if (e.code() != 409) throw;
      client::Json current = api.get(gvr, "", object["metadata"]["name"]);
      object["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"];
      api.update(gvr, object);
    }
  }
}

std::string resolve_node_name(const cli::AgentConfig& config) {
  std::string name = config.node_name;
  if (name.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    name = host;
  }
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (config.with_node_id) {
    std::ifstream in("/etc/machine-id");
    std::string id;
    std::getline(in, id);
    name += "-" + (id.size() >= 8 ? id.substr(0, 8) : std::string("00000000"));
  }
  return name;
}

EmbeddedAgent::EmbeddedAgent(const cli::ServerConfig& config, const ServerCerts& certs, int api_port)
    : config_(config), certs_(certs), api_port_(api_port) {}

EmbeddedAgent::~EmbeddedAgent() { stop(); }

void EmbeddedAgent::start() {
  starter_ = std::thread([this] { run(); });
}

void EmbeddedAgent::run() {
  const std::string api_url = "https://127.0.0.1:" + std::to_string(api_port_);
  const cli::AgentConfig& agent = config_.agent;
  const std::string node_name = resolve_node_name(agent);
  try {
    // The API must answer before RBAC can be written; retry briefly while it starts.
    for (int attempt = 0;; ++attempt) {
      try {
        ensure_node_rbac(api_url, certs_);
        break;
      } catch (const std::exception& e) {
        if (stopping_ || attempt >= 120) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
    }
    std::vector<std::string> sans = agent.node_ips;
    sans.insert(sans.end(), agent.node_external_ips.begin(), agent.node_external_ips.end());
    sans.push_back(node_name);
    NodeCertPaths paths = write_node_credentials(certs_, agent.data_dir + "/agent", node_name, sans, api_url);

    agent::NodeOptions options;
    options.containerd.data_dir = agent.data_dir;
    options.containerd.pause_image = agent.pause_image;
    options.containerd.snapshotter = agent.snapshotter;
    options.containerd.private_registry = agent.private_registry;
    options.container_runtime_endpoint = agent.container_runtime_endpoint;
    auto& kubelet = options.kubelet;
    kubelet.node_name = node_name;
    kubelet.api = client::config_from_certificates(api_url, paths.server_ca, paths.client_cert, paths.client_key);
    kubelet.cluster_dns = {config_.cluster_dns};
    kubelet.cluster_domain = config_.cluster_domain;
    kubelet.resolv_conf = agent.resolv_conf;
    kubelet.node_ips = agent.node_ips;
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
