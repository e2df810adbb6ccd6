#include "supervisor.h"
#include "util/base64.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "pki/pki.h"
#include "tunnel/tunnel.h"

namespace k3s::server {

namespace {

http::Response text(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}


bool equal_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// kubeadm's bootstrap token shape: [a-z0-9]{6}.[a-z0-9]{16}.
bool is_bootstrap_token(const std::string& text) {
  if (text.size() != 23 || text[6] != '.') return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 6) continue;
    const char c = text[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

}  // namespace

std::string Supervisor::authenticated_user(const http::Request& request, std::string* password_out) const {
  std::string auth = request.headers.get("Authorization");
  if (auth.rfind("Basic ", 0) != 0) return {};
  std::string decoded;
  try {
    decoded = util::base64_decode(auth.substr(6));
  } catch (const std::invalid_argument&) {
    decoded.clear();
  }
  auto colon = decoded.find(':');
  if (colon == std::string::npos) return {};
  std::string user = decoded.substr(0, colon), password = decoded.substr(colon + 1);
  std::string server_password, agent_password;
  {
    std::lock_guard lock(mu_);
    server_password = options_.server_password;
    agent_password = options_.agent_password;
  }
  if (password_out) *password_out = password;
  if (user == "server")
    return !server_password.empty() && equal_secret(password, server_password) ? "server" : "";
  if (user == "node") {
    if ((!agent_password.empty() && equal_secret(password, agent_password)) ||
        (!server_password.empty() && equal_secret(password, server_password)))
      return "node";
    return options_.bootstrap_token_valid && is_bootstrap_token(password) &&
                   options_.bootstrap_token_valid(password.substr(0, 6), password.substr(7))
               ? "node"
               : "";
  }
  return {};
}

void Supervisor::enable_server_admin(ServerAdminHandler handler) {
  std::lock_guard lock(mu_);
  server_admin_ = std::move(handler);
}

void Supervisor::replace_server_password(const std::string& old_password, const std::string& new_password) {
  std::lock_guard lock(mu_);
  if (options_.agent_password == old_password) options_.agent_password = new_password;
  options_.server_password = new_password;
}

void Supervisor::enable_node_join(NodeJoinOptions options) {
  auto join = std::make_shared<NodeJoin>(std::move(options));
  std::lock_guard lock(mu_);
  node_join_ = std::move(join);
}

std::shared_ptr<NodeJoin> Supervisor::node_join() const {
  std::lock_guard lock(mu_);
  return node_join_;
}

// A node's tunnel authenticates with its kubelet client certificate (system:node:<name> in
// group system:nodes, from the client CA), as k3s's does.
std::optional<http::Response> Supervisor::connect_tunnel(const http::Request& request) const {
  if (!options_.tunnels) return text(404, "404 page not found\n");
  static const std::string kNodePrefix = "system:node:";
  const auto& peer = request.peer;
  const bool node_group = std::find(peer.organizations.begin(), peer.organizations.end(), "system:nodes") !=
                          peer.organizations.end();
  if (!peer.verified || !node_group || peer.common_name.rfind(kNodePrefix, 0) != 0 ||
      peer.common_name.size() == kNodePrefix.size())
    return text(401, "Unauthorized: the tunnel needs a node client certificate\n");
  return options_.tunnels->accept(request, peer.common_name.substr(kNodePrefix.size()));
}

std::optional<http::Response> Supervisor::handle(const http::Request& request) const {
  const std::string& p = request.path;
  if (p == tunnel::kConnectPath) return connect_tunnel(request);
  if (p == "/cacerts") {
    try {
      auto r = text(200, pki::read_file(options_.server_ca_file));
      return r;
    } catch (const std::exception& e) {
      return text(500, std::string("cannot read the server CA: ") + e.what());
    }
  }
  if (p == "/ping") return text(200, "pong");
  if (p.rfind("/v1-k3s/", 0) != 0 && p != "/v1-k3s") return std::nullopt;
  std::string password;
  const std::string user = authenticated_user(request, &password);
  if (user.empty()) {
    auto r = text(401, "Unauthorized\n");
    r.headers.set("WWW-Authenticate", "Basic realm=\"k3s\"");
    return r;
  }
  if (user == "server") {
    ServerAdminHandler admin;
    {
      std::lock_guard lock(mu_);
      admin = server_admin_;
    }
    if (admin)
      if (auto response = admin(request, password)) return response;
  }
  if (p == "/v1-k3s/readyz") {
    if (options_.api_ready && options_.api_ready()) return text(200, "ok");
    return text(503, "apiserver not ready");
  }
  if (auto join = node_join()) {
    if (auto response = join->handle(request)) return response;
  } else if (p != "/v1-k3s/server-bootstrap") {
    return text(503, "the server is starting\n");
  }
  return text(404, "404 page not found\n");
}

}  // namespace k3s::server
