// "Run this node": container runtime, airgap images, then the kubelet.
#include "agent/node.h"

#include <unistd.h>
#include <algorithm>
#include <fstream>
#include <spdlog/spdlog.h>

#include "agent/registries.h"
#include "cri/cri.h"
#include "pod_masquerade.h"

namespace k3s::agent {

namespace {

// Registry rewrites in hosts.toml are a feature of k3s's containerd build (but for prefix-only
// ones, written as the endpoint's path); a stock containerd reads the file but pulls by the
// unrewritten name, so say so instead of failing silently.
void warn_unsupported_rewrites(const std::string& registries_file, const std::string& runtime_endpoint) {
  if (registries_file.empty()) return;
  std::vector<std::string> rewritten;
  try {
    for (const auto& [host, mirror] : load_registries(registries_file).mirrors)
      if (!mirror.rewrites.empty() && rewrite_path_prefix(mirror).empty()) rewritten.push_back(host);
  } catch (const std::exception&) {
    return;  // the config writer already reported it
  }
  if (rewritten.empty()) return;
  std::string version;
  try {
    version = cri::Client(runtime_endpoint).version(std::chrono::seconds(5)).runtime_version();
  } catch (const std::exception&) {
    return;
  }
  if (version.find("k3s") != std::string::npos) return;
  for (const auto& host : rewritten)
    spdlog::warn("agent: {}: the rewrite rules of mirror {} are not applied by containerd {} (registry rewrites "
                 "need k3s's containerd build); images are pulled from the mirror by their unrewritten names",
                 registries_file, host, version);
}

}  // namespace

Node::Node(NodeOptions options) : options_(std::move(options)) {}

Node::~Node() { stop(); }

void Node::start() {
  if (kubelet_) return;
  const ContainerdPaths paths = containerd_paths(options_.containerd);
  if (options_.container_runtime_endpoint.empty()) {
    // Looked up at every start, so a runtime installed since the last one is picked up.
    options_.containerd.runtimes = find_container_runtimes();
    check_default_runtime(options_.containerd);
    check_runtimes_usable(options_.containerd);
  }
  runtime_ = start_container_runtime(options_.containerd, options_.container_runtime_endpoint,
                                     options_.runtime_ready_timeout);
  spdlog::info("agent: container runtime at {}", runtime_.endpoint);
  warn_unsupported_rewrites(options_.containerd.private_registry, runtime_.endpoint);
  if (runtime_.supervisor) {
    // Images first, so pods of an air-gapped node find the pause image at once.
    importer_ = std::make_unique<AirgapImageImporter>(paths.images_dir, paths.socket, options_.containerd.snapshotter);
    for (const auto& result : importer_->import_changed()) {
      if (result.ok) spdlog::info("agent: imported images from {}", result.file);
      else spdlog::warn("agent: importing {} failed: {}", result.file, result.output);
    }
    importer_->watch();
  }
  kubelet::KubeletConfig config = options_.kubelet;
  config.runtime_endpoint = runtime_.endpoint;
  if (config.cni_conf_dir.empty()) config.cni_conf_dir = paths.cni_conf_dir;
  if (config.pause_image.empty()) config.pause_image = options_.containerd.pause_image;
  if (!config.prepare_pod_network) config.prepare_pod_network = ensure_pod_masquerade;
  kubelet_ = std::make_unique<kubelet::Kubelet>(std::move(config));
  kubelet_->start();
}

void Node::stop() {
  if (kubelet_) kubelet_->stop();
  kubelet_.reset();
  if (importer_) importer_->stop();
  importer_.reset();
  if (runtime_.supervisor) runtime_.supervisor->stop();
  runtime_.supervisor.reset();
}

std::string node_name_for(const cli::AgentConfig& config) {
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

}  // namespace k3s::agent
