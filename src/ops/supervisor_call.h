// Calls to the k3s supervisor endpoints that only the server token may use (token and CA
// rotation), as `k3s token rotate` and `k3s certificate rotate-ca` make them.
#pragma once

#include <string>

namespace k3s::ops {

struct SupervisorTarget {
  std::string data_dir;    // <data-dir>/server/token and tls/server-ca.crt when present
  std::string server;      // --server / $K3S_URL; empty: the kubeconfig's, else https://127.0.0.1:6443
  std::string kubeconfig;  // --kubeconfig / $KUBECONFIG: its server and CA
  std::string token;       // --token / $K3S_TOKEN; empty: <data-dir>/server/token
};

// The password part of a server token (K10<hash>::server:<pw> or a bare <pw>).
std::string token_password(const std::string& token);

// PUTs `json_body` to `path` as server:<password of the target's token>. Returns the
// response body; throws std::runtime_error with a one-line reason (the server's refusal, a
// wrong token, an unreachable server) otherwise.
std::string put_as_server(const SupervisorTarget& target, const std::string& path, const std::string& json_body);

}  // namespace k3s::ops
