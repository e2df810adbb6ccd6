// The controllers of `k3s server` (kube-controller-manager's job), run in process under one
// leader-elected Lease (kube-system/kube-controller-manager). They share one informer
// cache and talk to the API only through the project's API client.
#pragma once

#include <chrono>
#include <stop_token>
#include <string>
#include <vector>

namespace k3s::client {
class Client;
}

namespace k3s::controllers {

struct ControllerManagerOptions {
  // kube-controller-manager's --controllers: "*" = every default controller, "name" turns
  // one on, "-name" turns one off.
  std::vector<std::string> controllers{"*"};
  int concurrent_syncs = 5;  // workers per controller

  // node-ipam: a podCIDR of this size per node out of the cluster CIDR(s) (--cluster-cidr,
  // comma-separated for dual stack).
  bool allocate_node_cidrs = true;
  std::string cluster_cidr = "10.42.0.0/16";
  int node_cidr_mask_size_ipv4 = 24;
  int node_cidr_mask_size_ipv6 = 64;
  std::string service_cidr = "10.43.0.0/16";

  // kubernetes-endpoints: where the API server is reached (the `kubernetes` Service's
  // Endpoints and EndpointSlice in default); empty address: not published.
  std::string apiserver_advertise_address;
  int apiserver_advertise_port = 6443;

  // root-ca-cert-publisher: the CA bundle published as ConfigMap kube-root-ca.crt.
  std::string root_ca_file;
  // csrsigning: kubelet client certificates are signed by the client CA, kubelet serving
  // certificates by the server CA (k3s's split).
  std::string client_ca_cert_file, client_ca_key_file;
  std::string server_ca_cert_file, server_ca_key_file;
  std::chrono::seconds cluster_signing_duration{std::chrono::hours(24 * 365)};

  // node-lifecycle
  std::chrono::seconds node_monitor_period{5};
  std::chrono::seconds node_monitor_grace_period{40};
  std::chrono::seconds node_startup_grace_period{60};

  // pod-gc
  int terminated_pod_gc_threshold = 12500;

  // The client-side rate limit of the controller manager's API client (--kube-api-qps,
  // --kube-api-burst; kube's own defaults are 20 / 30). Applied where the client is made.
  double kube_api_qps = 50;
  int kube_api_burst = 300;

  // The resync of every shared informer (0: none).
  std::chrono::milliseconds informer_resync{std::chrono::minutes(10)};
};

// Applies kube-controller-manager flags given as k3s's --kube-controller-manager-arg
// ("name=value", an optional leading "--"): controllers, cluster-cidr, allocate-node-cidrs,
// node-cidr-mask-size(-ipv4/-ipv6), service-cluster-ip-range, root-ca-file,
// concurrent-syncs, node-monitor-period, node-monitor-grace-period,
// node-startup-grace-period, terminated-pod-gc-threshold, cluster-signing-duration,
// kube-api-qps, kube-api-burst.
// Throws std::invalid_argument naming the flag for an unknown flag or a malformed value.
void apply_controller_manager_args(ControllerManagerOptions& options, const std::vector<std::string>& args);

// Runs every enabled controller until `stop` is requested; returns after they all ended.
// Throws std::invalid_argument for an unknown controller name in `controllers`.
void run_controller_manager(client::Client& client, const ControllerManagerOptions& options, std::stop_token stop);

// The names run_controller_manager knows, in start order.
std::vector<std::string> known_controllers();

}  // namespace k3s::controllers
