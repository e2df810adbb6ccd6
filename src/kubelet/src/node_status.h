// Node registration, status updates and the Lease heartbeat in kube-node-lease.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "client/client.h"
#include "cri/cri.h"
#include "host_info.h"
#include "kubelet/kubelet.h"

namespace k3s::kubelet {

using Json = nlohmann::json;

// "key=value:Effect" / "key:Effect" (k3s --node-taint syntax) as a Node taint; throws
// std::invalid_argument naming the bad entry.
Json parse_taint(const std::string& text);
// The labels this kubelet puts on its Node.
std::map<std::string, std::string> node_labels(const KubeletConfig& config, const HostInfo& host);

class NodeStatusManager {
 public:
  // `on_pod_cidr` is called (from the manager's thread) whenever spec.podCIDR is first seen or changes.
  NodeStatusManager(const KubeletConfig& config, client::Client& api, cri::Client& runtime,
                    std::function<void(const std::string&)> on_pod_cidr);
  ~NodeStatusManager();

  void start();
  void stop();
  bool registered() const { return registered_; }
  std::string node_ip() const { return node_ip_; }
  std::string pod_cidr() const;
  // Wakes the loop to post status now (after the CNI config was written).
  void poke();

 private:
  void run();
  bool register_node();
  void post_status();
  void apply_pod_cidr(const Json& node);  // takes spec.podCIDR once node-ipam has set it
  void renew_lease();
  Json build_status();
  Json condition(const std::string& type, bool status, const std::string& reason, const std::string& message);

  const KubeletConfig& config_;
  client::Client& api_;
  cri::Client& runtime_;
  std::function<void(const std::string&)> on_pod_cidr_;
  HostInfo host_;
  std::string node_ip_;
  std::string runtime_version_;
  std::string node_uid_;
  std::map<std::string, Json> last_conditions_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool poked_ = false;
  std::string pod_cidr_;
  std::atomic<bool> registered_{false};
  std::thread thread_;
};

}  // namespace k3s::kubelet
