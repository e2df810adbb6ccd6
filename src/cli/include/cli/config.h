// Parsed configuration of each subcommand. Values come, in this precedence, from the
// command line, then K3S_* environment variables, then the config file
// (/etc/rancher/k3s/config.yaml + config.yaml.d/*.yaml, or --config / K3S_CONFIG_FILE).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace k3s::cli {

struct LogConfig {
  bool debug = false;
  int verbosity = 0;     // -v
  std::string log_file;  // --log
};

// Flags shared by `k3s server` and `k3s agent` (the agent part of a server).
struct AgentConfig {
  LogConfig log;
  std::string data_dir;  // resolved: /var/lib/rancher/k3s as root, ~/.rancher/k3s otherwise
  std::string server_url;  // --server / K3S_URL (agent only)
  std::string token;       // --token / K3S_TOKEN
  std::string token_file;  // --token-file / K3S_TOKEN_FILE
  std::string node_name;   // --node-name / K3S_NODE_NAME, default: host name
  bool with_node_id = false;
  std::vector<std::string> node_labels;  // --node-label
  std::vector<std::string> node_taints;  // --node-taint
  std::vector<std::string> node_ips;     // --node-ip
  std::vector<std::string> node_external_ips;
  std::string container_runtime_endpoint;
  std::string pause_image = "rancher/mirrored-pause:3.6";
  std::string snapshotter = "overlayfs";
  std::string default_runtime;  // --default-runtime: containerd's default handler (runc when empty)
  std::string private_registry = "/etc/rancher/k3s/registries.yaml";
  std::vector<std::string> kubelet_args;  // --kubelet-arg key=value
  std::vector<std::string> kube_proxy_args;
  std::string resolv_conf;
};

struct ServerConfig {
  AgentConfig agent;  // data_dir, token, node flags, log are shared with the agent
  std::string agent_token;
  std::string agent_token_file;
  std::string write_kubeconfig;  // default /etc/rancher/k3s/k3s.yaml (root)
  std::string write_kubeconfig_mode;  // octal string, default "0600"
  std::string bind_address = "0.0.0.0";
  int https_listen_port = 6443;
  std::string advertise_address;
  int advertise_port = 0;
  std::vector<std::string> tls_sans;
  std::string cluster_cidr = "10.42.0.0/16";
  std::string service_cidr = "10.43.0.0/16";
  std::string service_node_port_range = "30000-32767";
  std::string cluster_dns = "10.43.0.10";
  std::string cluster_domain = "cluster.local";
  std::string datastore_endpoint;
  std::string datastore_cafile, datastore_certfile, datastore_keyfile;
  std::vector<std::string> disable;  // packaged components: coredns, servicelb, traefik, ...
  bool disable_agent = false;
  bool disable_scheduler = false;
  bool disable_controller_manager = false;
  bool disable_kube_proxy = false;
  bool disable_network_policy = false;
  bool disable_helm_controller = false;
  bool cluster_init = false;
  std::vector<std::string> kube_apiserver_args;
  std::vector<std::string> kube_scheduler_args;
  std::vector<std::string> kube_controller_manager_args;
  int64_t etcd_compact_interval_seconds = 300;
};

// `k3s kine`: the datastore shim on its own, serving the etcd v3 API.
struct KineConfig {
  LogConfig log;
  std::string endpoint;  // same spelling as --datastore-endpoint
  std::string listen_address = "127.0.0.1:2379";
  std::string data_dir;  // where the default SQLite file lives when endpoint is empty
  std::string ca_file, cert_file, key_file;  // TLS to the database
  std::string server_cert_file, server_key_file;  // TLS for the served etcd API (optional)
  int64_t compact_interval_seconds = 300;
  int64_t compact_keep_revisions = 1000;
};

// Applies the logging flags to spdlog (stderr, or --log FILE).
void setup_logging(const LogConfig& log);

}  // namespace k3s::cli
