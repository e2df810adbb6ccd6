// The k3s supervisor endpoints served on the API listener: /cacerts, /ping and the
// basic-auth protected /v1-k3s/* paths agents and joining servers use.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/message.h"
#include "node_join.h"

namespace k3s::tunnel {
class TunnelServer;
}

namespace k3s::server {

struct SupervisorOptions {
  std::string server_ca_file;
  std::string server_password;  // `server:<pw>`
  std::string agent_password;   // `node:<pw>`
  std::function<bool()> api_ready;
  // Whether `<id>.<secret>` is a live bootstrap token (`k3s token create`) that may join
  // nodes; none: only the server and agent passwords are accepted.
  std::function<bool(const std::string& id, const std::string& secret)> bootstrap_token_valid;
  // Agents' tunnels (/v1-k3s/connect); none: the endpoint answers 404.
  tunnel::TunnelServer* tunnels = nullptr;
};

class Supervisor {
 public:
  explicit Supervisor(SupervisorOptions options) : options_(std::move(options)) {}
  // The response when `request` is a supervisor path, nullopt otherwise.
  std::optional<http::Response> handle(const http::Request& request) const;
  // Serves the agent join endpoints from now on (once the API listener is up); until then
  // they answer 503.
  void enable_node_join(NodeJoinOptions options);
  // Serves the endpoints only the server token may use (token and CA rotation); the handler
  // gets the password the caller authenticated with.
  using ServerAdminHandler =
      std::function<std::optional<http::Response>(const http::Request&, const std::string& password)>;
  void enable_server_admin(ServerAdminHandler handler);
  // A rotated server token: accepted from now on in place of `old_password` (also as the
  // agent password when that was the server's).
  void replace_server_password(const std::string& old_password, const std::string& new_password);

 private:
  // "server", "node" or "" (refused), from the request's basic credentials.
  std::string authenticated_user(const http::Request& request, std::string* password) const;
  std::shared_ptr<NodeJoin> node_join() const;
  std::optional<http::Response> connect_tunnel(const http::Request& request) const;
  SupervisorOptions options_;  // the passwords change on token rotation: guarded by mu_
  mutable std::mutex mu_;
  std::shared_ptr<NodeJoin> node_join_;
  ServerAdminHandler server_admin_;
};

}  // namespace k3s::server
