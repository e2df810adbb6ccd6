// The supervisor endpoints behind `k3s token rotate` and `k3s certificate rotate-ca`: they
// change the cluster's bootstrap data in the datastore, which every server takes over at its
// next start. Only callers holding the server token reach them.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "http/message.h"
#include "kine/store.h"

namespace k3s::server {

struct ClusterAdminOptions {
  kine::Store* store = nullptr;
  std::string server_dir;  // token and node-token are rewritten here on rotation
  std::string tls_dir;     // server-ca.crt: the CA hash of the rewritten tokens
  // The running server accepts the new password from now on (until then only the old one).
  std::function<void(const std::string& old_password, const std::string& new_password)> on_token_rotated;
};

// PUT /v1-k3s/token         body {"token": "<new token>"}
// PUT /v1-k3s/cert/cacerts  body {"files": {"server-ca.crt": "<PEM>", …}, "force": bool}
// `password` is the server token password the caller authenticated with. Other paths: nullopt.
std::optional<http::Response> handle_cluster_admin(const ClusterAdminOptions& options, const http::Request& request,
                                                   const std::string& password);

}  // namespace k3s::server
