// The agent tunnel: each agent holds a websocket to the server's /v1-k3s/connect,
// authenticated by its kubelet client certificate (system:node:<name>), and the server opens
// byte streams to addresses on that node through it (kubelet logs, exec, attach,
// port-forward, proxy), so nodes behind NAT or a firewall are reachable. Streams are
// multiplexed with per-stream flow control; see src/tunnel/src/mux.h for the framing.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/client.h"
#include "http/message.h"

namespace k3s::tunnel {

inline constexpr const char* kConnectPath = "/v1-k3s/connect";

// Server side: registry of connected nodes.
class TunnelServer {
 public:
  TunnelServer();
  ~TunnelServer();
  TunnelServer(const TunnelServer&) = delete;
  TunnelServer& operator=(const TunnelServer&) = delete;

  // Answers GET /v1-k3s/connect for `node_name` (already authenticated by the caller): a
  // websocket upgrade, or 400 when the request is not a websocket handshake. A newer
  // connection of the same node replaces the older one.
  http::Response accept(const http::Request& request, const std::string& node_name);

  bool connected(const std::string& node_name) const;
  std::vector<std::string> nodes() const;

  // Opens a byte stream to `address` ("host:port" as the node sees it) on the node.
  // Throws http::DialError when the node has no tunnel or refuses the address.
  std::unique_ptr<http::Connection> dial(const std::string& node_name, const std::string& address,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(15));

  // Closes every tunnel; later handshakes are refused.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

struct AgentTunnelOptions {
  std::string server_url;           // https://host:port of the supervisor
  http::ClientOptions client;       // server CA + the node's kubelet client certificate
  http::Headers headers;            // extra handshake headers
  // Which "host:port" the server may open on this node; refused ones get the reason back.
  std::function<bool(const std::string& host, const std::string& port)> allow;
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(30)};
  // Told about each (re)connection and loss, e.g. for logging.
  std::function<void(bool connected, const std::string& detail)> on_state;
};

// Agent side: keeps the tunnel up in a background thread, reconnecting with exponential
// backoff whenever it fails or the server restarts. Blocks in reads only (no polling).
class AgentTunnel {
 public:
  explicit AgentTunnel(AgentTunnelOptions options);
  ~AgentTunnel();  // stop()
  AgentTunnel(const AgentTunnel&) = delete;
  AgentTunnel& operator=(const AgentTunnel&) = delete;

  bool connected() const;
  // True once connected (now or within `timeout`).
  bool wait_connected(std::chrono::milliseconds timeout) const;
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// The default allow rule of an agent: loopback and the node's own addresses, on the given
// ports only (the kubelet's). `node_addresses` are IP literals.
std::function<bool(const std::string& host, const std::string& port)> allow_node_ports(
    std::vector<std::string> node_addresses, std::vector<std::string> ports);

}  // namespace k3s::tunnel
