// Joining a cluster as k3s agents do: the token (K10<sha256 of the server CA>::node:<pw> or
// a bare password), /cacerts fetched without verification and then checked against the
// token's hash, the node password (/etc/rancher/node/password, created once and kept), the
// kubelet's client and serving certificates from /v1-k3s/*-kubelet.crt, and /v1-k3s/config.
#pragma once

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace k3s::agent {

// The server refused us (bad token, CA mismatch, node password rejected): retrying with the
// same input cannot help. The message is one line fit for the user.
class JoinRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct JoinToken {
  std::string ca_hash;   // hex sha256 of the server CA bundle; empty for a bare password
  std::string username;  // "node" unless the token names another user
  std::string password;
};
// Throws JoinRefused for a malformed token.
JoinToken parse_join_token(const std::string& token);

struct JoinOptions {
  std::string server_url;  // https://host:port
  std::string token;
  std::string agent_dir;   // <data-dir>/agent: certificates and kubeconfig go here
  std::string node_name;
  std::vector<std::string> node_ips;           // put into the serving certificate
  std::vector<std::string> node_external_ips;
  std::string password_file = "/etc/rancher/node/password";
  std::chrono::milliseconds max_backoff{std::chrono::seconds(30)};
  // Polled between retries; true abandons the join (JoinRefused("interrupted")).
  std::function<bool()> stopping;
  // Told about each failed attempt that will be retried.
  std::function<void(const std::string&)> on_retry;
};

// What /v1-k3s/config told the agent.
struct ServerSettings {
  std::vector<std::string> cluster_dns{"10.43.0.10"};
  std::string cluster_domain = "cluster.local";
  std::string cluster_cidr = "10.42.0.0/16";
  std::string service_cidr = "10.43.0.0/16";
  std::string pause_image;  // empty: the agent's own
};

struct JoinResult {
  std::string server_ca, client_ca;            // file paths under agent_dir
  std::string client_cert, client_key;         // client-kubelet.crt / .key
  std::string serving_cert, serving_key;       // serving-kubelet.crt / .key
  std::string kubeconfig;                      // kubelet.kubeconfig (server URL + client cert)
  std::vector<std::string> node_ips;           // the IPs the serving certificate names
  ServerSettings settings;
};

// Retries with exponential backoff while the server is unreachable or not ready; throws
// JoinRefused when it refuses.
JoinResult join_cluster(const JoinOptions& options);

// The node password kept in `path`: read, or created (random, mode 0600) when missing.
std::string ensure_node_password(const std::string& path);

// The local address used to reach `server_url`'s host (the default route's address when
// nothing better is known); empty when it cannot be told.
std::string local_address_towards(const std::string& server_url);

}  // namespace k3s::agent
