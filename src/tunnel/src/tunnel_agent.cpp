#include <arpa/inet.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "http/connection.h"
#include "mux.h"
#include "tunnel/tunnel.h"
#include "http/websocket.h"

namespace k3s::tunnel {

using detail::MuxSession;
using http::WebSocket;

namespace {

// "host:port" with IPv6 hosts in brackets.
bool split_address(const std::string& address, std::string& host, std::string& port) {
  if (!address.empty() && address.front() == '[') {
    auto close = address.find(']');
    if (close == std::string::npos || close + 1 >= address.size() || address[close + 1] != ':') return false;
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    auto colon = address.rfind(':');
    if (colon == std::string::npos) return false;
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  return !host.empty() && !port.empty();
}

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

}  // namespace

std::function<bool(const std::string&, const std::string&)> allow_node_ports(std::vector<std::string> node_addresses,
                                                                           std::vector<std::string> ports) {
  return [node_addresses = std::move(node_addresses), ports = std::move(ports)](const std::string& host,
                                                                               const std::string& port) {
    if (std::find(ports.begin(), ports.end(), port) == ports.end()) return false;
    return is_loopback(host) || std::find(node_addresses.begin(), node_addresses.end(), host) != node_addresses.end();
  };
}

struct AgentTunnel::Impl {
  AgentTunnelOptions options;
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  bool stopping = false;
  bool is_connected = false;
  std::shared_ptr<MuxSession> session;
  std::thread runner;

  void report(bool up, const std::string& detail) {
    if (options.on_state) {
      try {
        options.on_state(up, detail);
      } catch (...) {
      }
    }
  }

  std::unique_ptr<http::Connection> open_target(const std::string& address) {
    std::string host, port;
    if (!split_address(address, host, port)) throw http::DialError("malformed address " + address);
    if (!options.allow || !options.allow(host, port))
      throw http::DialError("connection to " + address + " is not allowed by this node");
    return http::dial_tcp(host, port, std::chrono::seconds(10));
  }

  // One connection attempt; returns after the tunnel ends. Throws on handshake failure.
  void connect_once() {
    http::Client client(options.server_url, options.client);
    http::Headers headers = options.headers;
    const std::string key = http::add_websocket_client_headers(headers);
    auto response = client.upgrade("GET", kConnectPath, headers);
    if (response.status != 101) {
      std::string body = response.body;
      while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
      throw std::runtime_error("the server refused the tunnel: " + std::to_string(response.status) +
                               (body.empty() ? "" : " " + body));
    }
    if (!http::websocket_accepted(response.headers, key))
      throw std::runtime_error("the server answered the tunnel handshake with a wrong Sec-WebSocket-Accept");
    auto socket = std::make_unique<WebSocket>(std::move(response.connection), WebSocket::Role::client);
    auto s = std::make_shared<MuxSession>(std::move(socket),
                                          [this](const std::string& address) { return open_target(address); });
    {
      std::lock_guard lock(mu);
      if (stopping) return;
      session = s;
      is_connected = true;
    }
    cv.notify_all();
    report(true, options.server_url);
    s->run();
    {
      std::lock_guard lock(mu);
      session.reset();
      is_connected = false;
    }
    cv.notify_all();
  }

  void loop() {
    auto backoff = options.initial_backoff;
    for (;;) {
      {
        std::lock_guard lock(mu);
        if (stopping) return;
      }
      std::string failure;
      auto started = std::chrono::steady_clock::now();
      try {
        connect_once();
        failure = "connection lost";
      } catch (const std::exception& e) {
        failure = e.what();
      }
      // A tunnel that stayed up a while starts the backoff over.
      if (std::chrono::steady_clock::now() - started > std::chrono::seconds(30)) backoff = options.initial_backoff;
      std::unique_lock lock(mu);
      if (stopping) return;
      lock.unlock();
      report(false, failure);
      lock.lock();
      cv.wait_for(lock, backoff, [&] { return stopping; });
      backoff = std::min(options.max_backoff, backoff * 2);
    }
  }
};

AgentTunnel::AgentTunnel(AgentTunnelOptions options) : impl_(std::make_shared<Impl>()) {
  impl_->options = std::move(options);
  impl_->runner = std::thread([impl = impl_] { impl->loop(); });
}

AgentTunnel::~AgentTunnel() { stop(); }

bool AgentTunnel::connected() const {
  std::lock_guard lock(impl_->mu);
  return impl_->is_connected;
}

bool AgentTunnel::wait_connected(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->is_connected; });
}

void AgentTunnel::stop() {
  std::shared_ptr<MuxSession> session;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    session = impl_->session;
  }
  impl_->cv.notify_all();
  if (session) session->close();
  if (impl_->runner.joinable()) impl_->runner.join();
}

}  // namespace k3s::tunnel
