// The node agent that runs pods: registers the Node and keeps its status and Lease fresh,
// writes the CNI config for the node's podCIDR, runs the pods bound to the node through CRI
// (sandboxes, images, init containers, containers, volumes, probes, restarts), reports pod
// status, and serves the kubelet HTTPS API on :10250 (healthz, pods, containerLogs, exec,
// attach, portForward, stats/summary).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/kubeconfig.h"

namespace k3s::kubelet {

inline constexpr const char* kKubeletVersion = "v1.33.5+k3s1";

struct KubeletConfig {
  std::string node_name;
  // How to reach the API server: client certificate CN system:node:<name>, O system:nodes.
  client::RestConfig api;
  std::string runtime_endpoint = "unix:///run/k3s/containerd/containerd.sock";
  std::string root_dir = "/var/lib/kubelet";  // pods/<uid>/volumes/... live here
  std::string pod_log_dir = "/var/log/pods";
  std::string cni_bin_dir = "/usr/lib/cni";
  std::string cni_conf_dir;  // <data-dir>/agent/etc/cni/net.d
  std::vector<std::string> cluster_dns{"10.43.0.10"};
  std::string cluster_domain = "cluster.local";
  std::string resolv_conf;  // empty: /etc/resolv.conf (as k3s picks it)
  std::vector<std::string> node_ips;           // first is the InternalIP; empty: detected
  std::vector<std::string> node_external_ips;
  std::vector<std::string> node_labels;        // key=value
  std::vector<std::string> node_taints;        // key=value:Effect or key:Effect
  // Server nodes: node-role.kubernetes.io/control-plane=true and node-role.kubernetes.io/master=true.
  bool control_plane = false;
  // Kubelet HTTPS API. Empty serving_cert disables it; port 0 picks a free port.
  std::string serving_cert, serving_key, client_ca_file;
  std::string bind_address = "0.0.0.0";
  int port = 10250;
  std::string pause_image = "docker.io/rancher/mirrored-pause:3.6";
  int max_pods = 110;
  std::chrono::seconds node_status_update_frequency{10};
  std::chrono::seconds lease_duration{40};  // renewed every lease_duration / 4
  // --kubelet-arg values (key=value); the ones that matter are applied by apply_kubelet_args.
  std::vector<std::string> extra_args;
  // How long to wait for spec.podCIDR before pods run without a CNI config (host network only).
  std::chrono::seconds pod_cidr_wait{0};
  // Host networking for the podCIDR, set up by the agent before the CNI config is written: the
  // node-wide outbound masquerade. Without it (or when it throws) the bridge plugin
  // masquerades each pod itself, which costs a chain and several iptables runs per sandbox.
  std::function<void(const std::string& pod_cidr)> prepare_pod_network;
  // Image garbage collection (--kubelet-arg image-gc-high-threshold, image-gc-low-threshold,
  // image-minimum-gc-age); a pass every image_gc_period (the kubelet's 5 minutes;
  // K3S_KUBELET_IMAGE_GC_PERIOD overrides it).
  int image_gc_high_threshold = 85;
  int image_gc_low_threshold = 80;
  std::chrono::seconds image_minimum_gc_age{120};
  std::chrono::seconds image_gc_period{300};
};

// Applies --kubelet-arg entries (max-pods, node-status-update-frequency, root-dir,
// cluster-dns, cluster-domain, resolv-conf, node-labels, register-with-taints, pod-infra-container-image...).
// Unknown or unsupported ones (eviction-*, ...) are logged as ignored. Throws
// std::invalid_argument with one clear line for a malformed value.
void apply_kubelet_args(KubeletConfig& config);

class Kubelet {
 public:
  explicit Kubelet(KubeletConfig config);
  ~Kubelet();  // stops
  Kubelet(const Kubelet&) = delete;
  Kubelet& operator=(const Kubelet&) = delete;

  // Connects to the runtime and API server, starts registration, heartbeats, the pod workers
  // and the HTTPS API. Returns at once; registration retries in the background. Throws
  // std::runtime_error on configuration errors (bad certificates, port in use).
  void start();
  // Stops every loop. Pods keep running in the runtime; a new Kubelet adopts them.
  void stop();

  bool node_registered() const;
  // The bound port of the HTTPS API (0 when it is not served).
  int port() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The InternalIP a kubelet without --node-ip reports: the default route's source address, else
// the first non-loopback IPv4 address, else 127.0.0.1. Agents put it in the serving certificate.
std::string detect_node_ip();

}  // namespace k3s::kubelet
