// The Kubernetes API server: routing, authentication/authorization, the resource registry
// with storage in kine, watch caches, discovery and table printing. Served through the
// project's HTTP stack by `k3s server`, which mounts it beside the supervisor endpoints.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/client.h"
#include "http/message.h"
#include "kine/store.h"

namespace k3s::apiserver {

struct UserInfo {
  std::string name;
  std::string uid;
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::string>> extra;  // e.g. the pod a service-account token is bound to
};

// One link of the authentication chain: returns the user when it recognises the request's
// credentials, nullopt when they are not its kind. Throwing rejects the request (401).
using Authenticator = std::function<std::optional<UserInfo>(const http::Request&)>;

// How the API server reaches kubelets (pods/log, exec, attach, portforward, nodes/proxy).
struct KubeletAccess {
  std::string client_cert_file, client_key_file;  // the API server's kubelet client identity
  std::string ca_file;                            // verifies kubelet serving certificates
  // The node's tunnel dialer, or an empty function when the node has none (then the
  // kubelet is dialed directly over TCP).
  std::function<http::Dialer(const std::string& node_name)> tunnel_dialer;
};

struct Options {
  kine::Store* store = nullptr;
  std::string service_cidr = "10.43.0.0/16";
  std::string service_node_port_range = "30000-32767";
  std::string git_commit;  // shown in /version
  std::string git_version = "v1.33.5+k3s1";
  KubeletAccess kubelet;
  // Service-account tokens (TokenRequest, bearer authentication): off when the key is empty.
  std::string service_account_key_file;
  std::string service_account_issuer = "https://kubernetes.default.svc.cluster.local";
  std::vector<std::string> api_audiences;  // empty: the issuer
};

class ApiServer {
 public:
  // Loads the watch caches and creates the default namespaces, the `kubernetes` Service and
  // the bootstrap RBAC objects when missing. Throws on a datastore failure.
  explicit ApiServer(Options options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Tried in order after the built-in x509 client-certificate authenticator.
  void add_authenticator(Authenticator authenticator);

  // Serves one request of the Kubernetes API (/api, /apis, /version, /healthz, ...).
  http::Response handle(http::Request& request);

  // A metav1.Status response for errors raised below the API (HTTP layer: 413, 504, 400).
  static http::Response error_response(int status, const std::string& message);

  bool ready() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace k3s::apiserver
