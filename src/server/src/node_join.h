// The supervisor endpoints a joining agent uses after authenticating with the token:
// kubelet certificates (guarded by the node password), the CA certificates, /v1-k3s/config
// and /v1-k3s/apiservers. Node passwords are kept as k3s keeps them: a salted hash in the
// Secret kube-system/<node>.node-password.k3s, written on the first registration of a name.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "bootstrap.h"
#include "http/message.h"

namespace k3s::client {
class Client;
}

namespace k3s::server {

struct NodeJoinOptions {
  const ServerCerts* certs = nullptr;
  std::string api_url;      // https://127.0.0.1:<port>: the supervisor's own API client
  std::string config_json;  // the body of /v1-k3s/config
  std::string apiservers_json;  // the body of /v1-k3s/apiservers
};

class NodeJoin {
 public:
  explicit NodeJoin(NodeJoinOptions options);
  ~NodeJoin();

  // The response for the /v1-k3s/* join paths (the caller checked the token), nullopt for others.
  std::optional<http::Response> handle(const http::Request& request);

 private:
  // nullopt when the password matches (or was just recorded), else the refusal.
  std::optional<http::Response> check_node_password(const std::string& node, const std::string& password);

  NodeJoinOptions options_;
  std::mutex api_mu_;
  std::unique_ptr<client::Client> api_;
};

// The body of /v1-k3s/config: what an agent needs from the server's configuration.
std::string agent_config_json(const cli::ServerConfig& config, int api_port);

// Node-password hashes: "$pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>".
std::string hash_node_password(const std::string& password);
bool node_password_matches(const std::string& password, const std::string& stored_hash);

}  // namespace k3s::server
