#include "cli/commands.h"

#include <unistd.h>

#include <cstdlib>

namespace k3s::cli {
namespace {

// Small builders so each table row reads as one line.
Flag str(std::string name, std::vector<std::string> aliases, std::string env, std::string category,
         std::string usage, std::string& target) {
  std::string def = target.empty() ? "" : "\"" + target + "\"";
  return Flag{std::move(name), std::move(aliases), std::move(env), FlagKind::string, std::move(category),
              std::move(usage), def, false, [&target](const std::vector<std::string>& v) { target = v.back(); }};
}

Flag num(std::string name, std::string env, std::string category, std::string usage, int& target) {
  std::string flag_name = name;
  return Flag{std::move(name), {}, std::move(env), FlagKind::integer, std::move(category), std::move(usage),
              std::to_string(target), false,
              [&target, flag_name](const std::vector<std::string>& v) { target = parse_int(flag_name, v.back()); }};
}

Flag num64(std::string name, std::string env, std::string category, std::string usage, int64_t& target) {
  std::string flag_name = name;
  return Flag{std::move(name), {}, std::move(env), FlagKind::integer, std::move(category), std::move(usage),
              std::to_string(target), false,
              [&target, flag_name](const std::vector<std::string>& v) { target = parse_int(flag_name, v.back()); }};
}

Flag boolean(std::string name, std::string env, std::string category, std::string usage, bool& target) {
  std::string flag_name = name;
  return Flag{std::move(name), {}, std::move(env), FlagKind::boolean, std::move(category), std::move(usage), "",
              false,
              [&target, flag_name](const std::vector<std::string>& v) { target = parse_bool(flag_name, v.back()); }};
}

Flag list(std::string name, std::vector<std::string> aliases, std::string env, std::string category,
          std::string usage, std::vector<std::string>& target) {
  return Flag{std::move(name), std::move(aliases), std::move(env), FlagKind::list, std::move(category),
              std::move(usage), "", false, [&target](const std::vector<std::string>& v) { target = v; }};
}

void add_log_flags(std::vector<Flag>& flags, LogConfig& log) {
  flags.push_back(boolean("debug", "K3S_DEBUG", "(logging)", "Turn on debug logs", log.debug));
  flags.push_back(num("v", "", "(logging)", "Number for the log level verbosity", log.verbosity));
  flags.push_back(str("log", {"l"}, "", "(logging)", "Log to file", log.log_file));
}

bool is_root() { return geteuid() == 0; }

std::string home_dir() {
  const char* home = std::getenv("HOME");
  return home && *home ? home : "/root";
}

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof(buf) - 1) != 0 || !buf[0]) return "localhost";
  std::string name(buf);
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

}  // namespace

std::string default_data_dir() {
  return is_root() ? "/var/lib/rancher/k3s" : home_dir() + "/.rancher/k3s";
}

std::string default_config_file() {
  return is_root() ? "/etc/rancher/k3s/config.yaml" : home_dir() + "/.rancher/k3s/config.yaml";
}

std::vector<Flag> agent_flags(AgentConfig& c) {
  std::vector<Flag> f;
  add_log_flags(f, c.log);
  f.push_back(str("data-dir", {"d"}, "K3S_DATA_DIR", "(agent/data)",
                  "Folder to hold state (default: /var/lib/rancher/k3s or ${HOME}/.rancher/k3s if not root)",
                  c.data_dir));
  f.push_back(str("token", {"t"}, "K3S_TOKEN", "(cluster)", "Token to use for authentication", c.token));
  f.push_back(str("token-file", {}, "K3S_TOKEN_FILE", "(cluster)", "Token file to use for authentication",
                  c.token_file));
  f.push_back(str("server", {"s"}, "K3S_URL", "(cluster)", "Server to connect to", c.server_url));
  f.push_back(str("node-name", {}, "K3S_NODE_NAME", "(agent/node)", "Node name", c.node_name));
  f.push_back(boolean("with-node-id", "", "(agent/node)", "Append id to node name", c.with_node_id));
  f.push_back(list("node-label", {}, "", "(agent/node)", "Registering and starting kubelet with set of labels",
                   c.node_labels));
  f.push_back(list("node-taint", {}, "", "(agent/node)", "Registering kubelet with set of taints", c.node_taints));
  f.push_back(list("node-ip", {"i"}, "", "(agent/networking)", "IPv4/IPv6 addresses to advertise for node",
                   c.node_ips));
  f.push_back(list("node-external-ip", {}, "", "(agent/networking)",
                   "IPv4/IPv6 external IP addresses to advertise for node", c.node_external_ips));
  f.push_back(str("resolv-conf", {}, "K3S_RESOLV_CONF", "(agent/networking)", "Kubelet resolv.conf file",
                  c.resolv_conf));
  f.push_back(str("container-runtime-endpoint", {}, "", "(agent/runtime)",
                  "Disable embedded containerd and use the CRI socket at the given path",
                  c.container_runtime_endpoint));
  f.push_back(str("default-runtime", {}, "", "(agent/runtime)", "Set the default runtime in containerd",
                  c.default_runtime));
  f.push_back(str("pause-image", {}, "", "(agent/runtime)", "Customized pause image for containerd sandbox",
                  c.pause_image));
  f.push_back(str("snapshotter", {}, "", "(agent/runtime)", "Override default containerd snapshotter",
                  c.snapshotter));
  f.push_back(str("private-registry", {}, "", "(agent/runtime)", "Private registry configuration file",
                  c.private_registry));
  f.push_back(list("kubelet-arg", {}, "", "(agent/flags)", "Customized flag for kubelet process", c.kubelet_args));
  f.push_back(list("kube-proxy-arg", {}, "", "(agent/flags)", "Customized flag for kube-proxy process",
                   c.kube_proxy_args));
  return f;
}

std::vector<Flag> server_flags(ServerConfig& c) {
  std::vector<Flag> f = agent_flags(c.agent);
  f.push_back(str("agent-token", {}, "K3S_AGENT_TOKEN", "(cluster)",
                  "Shared secret used to join agents to the cluster, but not servers", c.agent_token));
  f.push_back(str("agent-token-file", {}, "K3S_AGENT_TOKEN_FILE", "(cluster)",
                  "File containing the agent secret", c.agent_token_file));
  f.push_back(str("write-kubeconfig", {"o"}, "K3S_KUBECONFIG_OUTPUT", "(client)",
                  "Write kubeconfig for admin client to this file", c.write_kubeconfig));
  f.push_back(str("write-kubeconfig-mode", {}, "K3S_KUBECONFIG_MODE", "(client)",
                  "Write kubeconfig with this mode", c.write_kubeconfig_mode));
  f.push_back(str("bind-address", {}, "", "(listener)", "k3s bind address", c.bind_address));
  f.push_back(num("https-listen-port", "", "(listener)", "HTTPS listen port", c.https_listen_port));
  f.push_back(str("advertise-address", {}, "", "(listener)",
                  "IPv4/IPv6 address that apiserver uses to advertise to members of the cluster",
                  c.advertise_address));
  f.push_back(num("advertise-port", "", "(listener)",
                  "Port that apiserver uses to advertise to members of the cluster", c.advertise_port));
  f.push_back(list("tls-san", {}, "", "(listener)",
                   "Add additional hostnames or IPv4/IPv6 addresses as Subject Alternative Names on the server TLS cert",
                   c.tls_sans));
  f.push_back(str("cluster-cidr", {}, "", "(networking)", "IPv4/IPv6 network CIDRs to use for pod IPs",
                  c.cluster_cidr));
  f.push_back(str("service-cidr", {}, "", "(networking)", "IPv4/IPv6 network CIDRs to use for service IPs",
                  c.service_cidr));
  f.push_back(str("service-node-port-range", {}, "", "(networking)",
                  "Port range to reserve for services with NodePort visibility", c.service_node_port_range));
  f.push_back(str("cluster-dns", {}, "", "(networking)", "IPv4 Cluster IP for coredns service", c.cluster_dns));
  f.push_back(str("cluster-domain", {}, "", "(networking)", "Cluster Domain", c.cluster_domain));
  f.push_back(str("datastore-endpoint", {}, "K3S_DATASTORE_ENDPOINT", "(db)",
                  "Specify etcd, NATS, MySQL, Postgres, or SQLite (default) data source name",
                  c.datastore_endpoint));
  f.push_back(str("datastore-cafile", {}, "K3S_DATASTORE_CAFILE", "(db)",
                  "TLS Certificate Authority file used to secure datastore backend communication",
                  c.datastore_cafile));
  f.push_back(str("datastore-certfile", {}, "K3S_DATASTORE_CERTFILE", "(db)",
                  "TLS certification file used to secure datastore backend communication", c.datastore_certfile));
  f.push_back(str("datastore-keyfile", {}, "K3S_DATASTORE_KEYFILE", "(db)",
                  "TLS key file used to secure datastore backend communication", c.datastore_keyfile));
  f.push_back(num64("etcd-compaction-interval", "", "(db)",
                    "Seconds between automatic compactions of the datastore history",
                    c.etcd_compact_interval_seconds));
  f.push_back(list("disable", {}, "", "(components)",
                   "Do not deploy packaged components and delete any deployed components", c.disable));
  f.push_back(boolean("disable-agent", "", "(experimental)", "Do not run a local agent and register a local kubelet",
                      c.disable_agent));
  f.push_back(boolean("disable-scheduler", "", "(components)", "Disable Kubernetes default scheduler",
                      c.disable_scheduler));
  f.push_back(boolean("disable-controller-manager", "", "(experimental/components)",
                      "Disable running kube-controller-manager", c.disable_controller_manager));
  f.push_back(boolean("disable-kube-proxy", "", "(components)", "Disable running kube-proxy", c.disable_kube_proxy));
  f.push_back(boolean("disable-network-policy", "", "(components)",
                      "Disable k3s default network policy controller", c.disable_network_policy));
  f.push_back(boolean("disable-helm-controller", "", "(components)", "Disable Helm controller",
                      c.disable_helm_controller));
  f.push_back(boolean("cluster-init", "K3S_CLUSTER_INIT", "(cluster)",
                      "Initialize a new cluster using embedded Etcd", c.cluster_init));
  f.push_back(list("kube-apiserver-arg", {}, "", "(flags)", "Customized flag for kube-apiserver process",
                   c.kube_apiserver_args));
  f.push_back(list("kube-scheduler-arg", {}, "", "(flags)", "Customized flag for kube-scheduler process",
                   c.kube_scheduler_args));
  f.push_back(list("kube-controller-manager-arg", {}, "", "(flags)",
                   "Customized flag for kube-controller-manager process", c.kube_controller_manager_args));
  return f;
}

std::vector<Flag> kine_flags(KineConfig& c) {
  std::vector<Flag> f;
  add_log_flags(f, c.log);
  f.push_back(str("endpoint", {}, "K3S_DATASTORE_ENDPOINT", "(db)",
                  "Datastore to serve: sqlite://, postgres://, mysql:// or http(s):// (etcd); default SQLite under --data-dir",
                  c.endpoint));
  f.push_back(str("listen-address", {}, "", "(listener)",
                  "Address to serve the etcd v3 API on: host:port or unix:///path", c.listen_address));
  f.push_back(str("data-dir", {"d"}, "K3S_DATA_DIR", "(data)", "Folder to hold the default SQLite database",
                  c.data_dir));
  f.push_back(str("ca-file", {}, "K3S_DATASTORE_CAFILE", "(db)", "CA file for TLS to the database", c.ca_file));
  f.push_back(str("cert-file", {}, "K3S_DATASTORE_CERTFILE", "(db)", "Client certificate for TLS to the database",
                  c.cert_file));
  f.push_back(str("key-file", {}, "K3S_DATASTORE_KEYFILE", "(db)", "Client key for TLS to the database",
                  c.key_file));
  f.push_back(str("server-cert-file", {}, "", "(listener)", "Certificate for serving the etcd API over TLS",
                  c.server_cert_file));
  f.push_back(str("server-key-file", {}, "", "(listener)", "Key for serving the etcd API over TLS",
                  c.server_key_file));
  f.push_back(num64("compact-interval", "", "(db)", "Seconds between automatic compactions (0 disables)",
                    c.compact_interval_seconds));
  f.push_back(num64("compact-keep", "", "(db)", "Revisions of history kept by automatic compaction",
                    c.compact_keep_revisions));
  return f;
}

void finish_agent_config(AgentConfig& c) {
  if (c.data_dir.empty()) c.data_dir = default_data_dir();
  if (c.node_name.empty()) c.node_name = host_name();
}

void finish_server_config(ServerConfig& c) {
  finish_agent_config(c.agent);
  if (c.write_kubeconfig.empty()) {
    c.write_kubeconfig = is_root() ? "/etc/rancher/k3s/k3s.yaml" : home_dir() + "/.kube/k3s.yaml";
  }
  if (c.write_kubeconfig_mode.empty()) c.write_kubeconfig_mode = "0600";
  if (c.https_listen_port <= 0 || c.https_listen_port > 65535) {
    throw UsageError("invalid value for --https-listen-port: " + std::to_string(c.https_listen_port));
  }
}

void finish_kine_config(KineConfig& c) {
  if (c.data_dir.empty()) c.data_dir = default_data_dir();
}

}  // namespace k3s::cli
