// "Run this node": the container runtime (supervised containerd or an existing endpoint),
// airgap image import, then the kubelet. Used by `k3s agent` and by the agent embedded in
// `k3s server`.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "agent/containerd.h"
#include "agent/images.h"
#include "cli/config.h"
#include "kubelet/kubelet.h"

namespace k3s::agent {

struct NodeOptions {
  ContainerdOptions containerd;
  // --container-runtime-endpoint: use that runtime instead of starting containerd.
  std::string container_runtime_endpoint;
  // runtime_endpoint is filled in by Node::start() from the chosen runtime.
  kubelet::KubeletConfig kubelet;
  std::chrono::milliseconds runtime_ready_timeout = std::chrono::minutes(2);
};

class Node {
 public:
  explicit Node(NodeOptions options);
  ~Node();  // stops
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Starts (or connects to) the runtime, imports airgap images (and watches for new ones),
  // then starts the kubelet. Throws std::runtime_error when the runtime does not come up.
  void start();
  // Stops the kubelet, the image watcher and the supervised containerd. Containers keep running.
  void stop();

  kubelet::Kubelet* kubelet() { return kubelet_.get(); }
  const std::string& runtime_endpoint() const { return runtime_.endpoint; }

 private:
  NodeOptions options_;
  RuntimeEndpoint runtime_;
  std::unique_ptr<AirgapImageImporter> importer_;
  std::unique_ptr<kubelet::Kubelet> kubelet_;
};

// The node's name, for embedded and joined agents alike: --node-name (else the host name),
// lower-cased, with a -<machine id> suffix for --with-node-id.
std::string node_name_for(const cli::AgentConfig& config);

}  // namespace k3s::agent
