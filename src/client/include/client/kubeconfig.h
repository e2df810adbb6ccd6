// Client configuration: kubeconfig files loaded and merged as kubectl does, command-line
// overrides, in-cluster service-account configuration, and configurations built from
// certificate files (for the in-process components of `k3s server`).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace k3s::client {

// What went wrong, so callers (kubectl) can word their message or fall back.
enum class ConfigErrorKind {
  load,               // a file could not be read or parsed
  context_not_found,  // "context was not found for specified context: x"
  cluster_not_found,  // "no server found for cluster \"x\""
  user_not_found,     // "auth info \"x\" does not exist"
  empty,              // no server configured at all
  invalid,            // anything else (bad base64, unreadable credential files, ...)
};

class ConfigError : public std::runtime_error {
 public:
  ConfigError(ConfigErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ConfigErrorKind kind() const { return kind_; }

 private:
  ConfigErrorKind kind_;
};

// ---- the kubeconfig model ---------------------------------------------------------------
// Strings keep what the file says; *_data fields hold the decoded bytes of the base64 text.
// `origin` is the file an entry was read from (relative paths resolve against its directory).

struct KubeconfigCluster {
  std::string server;
  std::string certificate_authority;
  std::string certificate_authority_data;
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string proxy_url;
  std::string origin;
};

struct KubeconfigUser {
  std::string client_certificate, client_certificate_data;
  std::string client_key, client_key_data;
  std::string token, token_file;
  std::string username, password;
  // Impersonation (`as`, `as-uid`, `as-groups`, `as-user-extra`).
  std::string as, as_uid;
  std::vector<std::string> as_groups;
  std::map<std::string, std::vector<std::string>> as_user_extra;
  std::string origin;
};

struct KubeconfigContext {
  std::string cluster;
  std::string user;
  std::string namespace_;
  std::string origin;
};

struct Kubeconfig {
  std::map<std::string, KubeconfigCluster> clusters;
  std::map<std::string, KubeconfigUser> users;
  std::map<std::string, KubeconfigContext> contexts;
  std::string current_context;

  // Parses one kubeconfig document (YAML or JSON). Throws ConfigError(load) with kubectl's
  // wording: `error loading config file "<origin>": <reason>`.
  static Kubeconfig parse(const std::string& text, const std::string& origin);
  // Reads and parses one file; a missing or unreadable file is ConfigError(load).
  static Kubeconfig load_file(const std::string& path);
  // kubectl's KUBECONFIG merge: files that do not exist are skipped; for clusters, users
  // and contexts the first file defining a name wins; current-context comes from the
  // first file that sets it.
  static Kubeconfig load_merged(const std::vector<std::string>& paths);

  // Merges `other` below this one (entries already present win).
  void merge_from(const Kubeconfig& other);

  // The kubeconfig document (lists sorted by name, as `kubectl config view` prints it).
  // Without `raw`, secrets print as "REDACTED" and *-data as "DATA+OMITTED".
  nlohmann::json to_json(bool raw = true) const;
};

// ---- loading rules and overrides --------------------------------------------------------

struct LoadingRules {
  std::string explicit_path;              // --kubeconfig: must exist, used alone
  std::vector<std::string> precedence;    // merged in order when explicit_path is empty
  // Used when nothing configures a server (kubectl uses "http://localhost:8080"); empty
  // makes that a ConfigError(empty).
  std::string default_server;

  // Precedence from $KUBECONFIG (split on ':'), else `fallback_path` when set (k3s kubectl
  // uses /etc/rancher/k3s/k3s.yaml), else ~/.kube/config.
  static LoadingRules from_environment(const std::string& fallback_path = {});

  // Loads the files these rules name.
  Kubeconfig load() const;
};

// Command-line overrides (--context, --cluster, --user, --server, ...); empty = not given.
struct ConfigOverrides {
  std::string context;
  std::string cluster;
  std::string user;
  std::string server;
  std::string token;
  std::string username, password;
  std::string client_certificate, client_key;
  std::string certificate_authority;
  std::string tls_server_name;
  std::optional<bool> insecure_skip_tls_verify;
  std::string namespace_;
  std::optional<std::chrono::milliseconds> request_timeout;
  // --as, --as-group, --as-uid
  std::string impersonate_user, impersonate_uid;
  std::vector<std::string> impersonate_groups;
};

// ---- the resolved connection configuration ---------------------------------------------

struct RestConfig {
  std::string server;  // "https://host:port" (a path prefix is kept)
  // Trust: a CA file or PEM text; insecure skips verification.
  std::string ca_file, ca_pem;
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  // Client certificate: files or PEM text.
  std::string cert_file, key_file, cert_pem, key_pem;
  // Bearer token (token_file is re-read periodically, as service-account tokens rotate).
  std::string bearer_token, bearer_token_file;
  std::string username, password;  // basic auth
  // Impersonation: sent as Impersonate-User/-Group/-Uid/-Extra-<key> headers.
  std::string impersonate_user, impersonate_uid;
  std::vector<std::string> impersonate_groups;
  std::map<std::string, std::vector<std::string>> impersonate_extra;

  std::string namespace_ = "default";
  bool namespace_explicit = false;  // set by the context or an override, not defaulted
  std::string context_name, cluster_name, user_name;

  std::string user_agent = "k3s";
  // Client-side rate limit (token bucket); qps <= 0 disables it.
  double qps = 50;
  int burst = 300;
  std::chrono::milliseconds timeout{60000};  // per request (not watches)
  // Called with the text of every Warning header (code 299) an answer carries; kubectl
  // prints them, components ignore them.
  std::function<void(const std::string&)> on_warning;
};

// Resolves the configuration kubectl would use: loads the files, picks the context
// (override, else current-context), applies overrides and resolves relative paths.
RestConfig build_config(const LoadingRules& rules, const ConfigOverrides& overrides = {});
// Same from an already loaded kubeconfig.
RestConfig build_config(const Kubeconfig& config, const ConfigOverrides& overrides = {},
                        const std::string& default_server = {});

// Service-account configuration inside a pod: token and ca.crt (and namespace) from
// `sa_dir`, server from KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT.
// Throws ConfigError(invalid) when not running in a cluster.
RestConfig in_cluster_config(const std::string& sa_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

// For components of `k3s server` using the certificates the server wrote.
RestConfig config_from_certificates(const std::string& server, const std::string& ca_file,
                                    const std::string& cert_file, const std::string& key_file);

// The kubeconfig a node's components use: one server, the CA and the client certificate and key
// named by path, not embedded, as k3s's agent kubeconfigs do, so certificates rotated on disk
// are picked up without rewriting the file.
std::string kubeconfig_referencing_files(const std::string& server, const std::string& ca_file,
                                         const std::string& cert_file, const std::string& key_file);

// Base64 (standard alphabet, padding optional, whitespace ignored); throws
// std::invalid_argument("illegal base64 data at input byte N") like Go.
std::string base64_decode(const std::string& text);
std::string base64_encode(const std::string& data);

}  // namespace k3s::client
