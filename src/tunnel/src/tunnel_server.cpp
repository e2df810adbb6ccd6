#include <spdlog/spdlog.h>

#include <map>
#include <mutex>

#include "http/connection.h"
#include "mux.h"
#include "tunnel/tunnel.h"
#include "http/websocket.h"

namespace k3s::tunnel {

using detail::MuxSession;
using http::WebSocket;

struct TunnelServer::Impl {
  mutable std::mutex mu;
  std::map<std::string, std::shared_ptr<MuxSession>> sessions;
  bool stopped = false;

  void serve(const std::string& node, std::unique_ptr<http::Connection> connection) {
    auto socket = std::make_unique<WebSocket>(std::move(connection), WebSocket::Role::server);
    // The server side only opens streams; an agent asking to open one is refused.
    auto session = std::make_shared<MuxSession>(std::move(socket), nullptr);
    std::shared_ptr<MuxSession> replaced;
    {
      std::lock_guard lock(mu);
      if (stopped) return;
      auto& slot = sessions[node];
      replaced = std::move(slot);
      slot = session;
    }
    if (replaced) replaced->close();
    spdlog::info("Tunnel connected for node {}", node);
    session->run();
    {
      std::lock_guard lock(mu);
      auto it = sessions.find(node);
      if (it != sessions.end() && it->second == session) sessions.erase(it);
    }
    spdlog::info("Tunnel for node {} closed", node);
  }
};

TunnelServer::TunnelServer() : impl_(std::make_shared<Impl>()) {}

TunnelServer::~TunnelServer() { stop(); }

http::Response TunnelServer::accept(const http::Request& request, const std::string& node_name) {
  http::Response r;
  const std::string key = request.headers.get("Sec-WebSocket-Key");
  if (!http::iequals(request.headers.get("Upgrade"), "websocket") || key.empty() || request.method != "GET") {
    r.status = 400;
    r.headers.set("Content-Type", "text/plain; charset=utf-8");
    r.body = "the tunnel endpoint expects a websocket handshake\n";
    return r;
  }
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) {
      r.status = 503;
      r.body = "the server is shutting down\n";
      return r;
    }
  }
  r.status = 101;
  r.headers.set("Upgrade", "websocket");
  r.headers.set("Connection", "Upgrade");
  r.headers.set("Sec-WebSocket-Accept", http::websocket_accept_key(key));
  r.upgrade = [impl = impl_, node_name](std::unique_ptr<http::Connection> connection) {
    impl->serve(node_name, std::move(connection));
  };
  return r;
}

bool TunnelServer::connected(const std::string& node_name) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->sessions.find(node_name);
  return it != impl_->sessions.end() && !it->second->closed();
}

std::vector<std::string> TunnelServer::nodes() const {
  std::lock_guard lock(impl_->mu);
  std::vector<std::string> out;
  for (const auto& [name, session] : impl_->sessions) out.push_back(name);
  return out;
}

std::unique_ptr<http::Connection> TunnelServer::dial(const std::string& node_name, const std::string& address,
                                                     std::chrono::milliseconds timeout) {
  std::shared_ptr<MuxSession> session;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->sessions.find(node_name);
    if (it != impl_->sessions.end()) session = it->second;
  }
  if (!session) throw http::DialError("no tunnel connection for node " + node_name);
  return session->open(address, timeout);
}

void TunnelServer::stop() {
  std::map<std::string, std::shared_ptr<MuxSession>> sessions;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopped = true;
    sessions.swap(impl_->sessions);
  }
  for (auto& [name, session] : sessions) session->close();
}

}  // namespace k3s::tunnel
