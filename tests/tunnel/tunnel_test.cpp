// The tunnel end to end in one process: a real HTTP server hosting /v1-k3s/connect, a real
// agent tunnel client, and a real target service on loopback reached only through dial().
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <future>
#include <thread>

#include "http/client.h"
#include "http/connection.h"
#include "http/server.h"
#include "tunnel/tunnel.h"
#include "http/websocket.h"

using namespace k3s;

namespace {

http::ServerOptions loopback(int port = 0) {
  http::ServerOptions o;
  o.bind_address = "127.0.0.1";
  o.port = port;
  return o;
}

// The supervisor stand-in: the node name comes from a header here (the real server takes it
// from the verified client certificate).
std::unique_ptr<http::Server> tunnel_listener(tunnel::TunnelServer& tunnels, int port = 0) {
  return std::make_unique<http::Server>(loopback(port), [&tunnels](http::Request& req) {
    if (req.path == tunnel::kConnectPath) return tunnels.accept(req, req.headers.get("X-Test-Node"));
    http::Response r;
    r.status = 404;
    return r;
  });
}

// A service on the "node": echoes the path, or `size` bytes when asked; and upgrades to an
// upper-casing protocol.
std::unique_ptr<http::Server> node_service() {
  return std::make_unique<http::Server>(loopback(), [](http::Request& req) {
    http::Response r;
    if (req.headers.get("Upgrade") == "upper") {
      r.status = 101;
      r.headers.set("Upgrade", "upper");
      r.headers.set("Connection", "Upgrade");
      r.upgrade = [](std::unique_ptr<http::Connection> c) {
        for (;;) {
          std::string d = c->read_some();
          if (d.empty()) return;
          for (auto& ch : d) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
          if (!c->write(d)) return;
        }
      };
      return r;
    }
    if (req.path == "/big") {
      r.body = std::string(3 * 1024 * 1024, 'b');
      return r;
    }
    r.body = "node says " + req.path + " body=" + std::to_string(req.body.size());
    return r;
  });
}

tunnel::AgentTunnelOptions agent_options(int server_port, const std::string&, int allowed_port) {
  tunnel::AgentTunnelOptions o;
  o.server_url = "http://127.0.0.1:" + std::to_string(server_port);
  o.allow = tunnel::allow_node_ports({}, {std::to_string(allowed_port)});
  o.initial_backoff = std::chrono::milliseconds(100);
  o.max_backoff = std::chrono::milliseconds(500);
  return o;
}

// An agent tunnel whose handshake names `node` (the test listener reads X-Test-Node).
std::unique_ptr<tunnel::AgentTunnel> start_agent(int server_port, const std::string& node, int allowed_port) {
  auto o = agent_options(server_port, node, allowed_port);
  o.headers.add("X-Test-Node", node);
  return std::make_unique<tunnel::AgentTunnel>(o);
}

http::ClientOptions through(tunnel::TunnelServer& tunnels, const std::string& node) {
  http::ClientOptions o;
  o.dialer = [&tunnels, node](const std::string& host, const std::string& port) {
    return tunnels.dial(node, host + ":" + port);
  };
  return o;
}

bool wait_for(const std::function<bool()>& condition) {
  for (int i = 0; i < 1200; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace

TEST(Websocket, AcceptKeyMatchesRfc6455Example) {
  EXPECT_EQ(http::websocket_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(Tunnel, RequestsReachTheNodeServiceThroughTheTunnel) {
  tunnel::TunnelServer tunnels;
  auto listener = tunnel_listener(tunnels);
  auto service = node_service();
  auto agent = start_agent(listener->port(), "node-a", service->port());
  ASSERT_TRUE(agent->wait_connected(std::chrono::seconds(60)));
  ASSERT_TRUE(wait_for([&] { return tunnels.connected("node-a"); }));

  http::Client client("http://127.0.0.1:" + std::to_string(service->port()), through(tunnels, "node-a"));
  auto res = client.request("POST", "/containerLogs/x", {}, std::string(1024 * 1024, 'p'));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "node says /containerLogs/x body=1048576");
  // Larger than the window in the other direction too.
  auto big = client.request("GET", "/big");
  EXPECT_EQ(big.body.size(), 3u * 1024 * 1024);
}

TEST(Tunnel, ManyConcurrentStreamsStayApart) {
  tunnel::TunnelServer tunnels;
  auto listener = tunnel_listener(tunnels);
  auto service = node_service();
  auto agent = start_agent(listener->port(), "node-a", service->port());
  ASSERT_TRUE(wait_for([&] { return tunnels.connected("node-a"); }));
  std::vector<std::future<std::string>> results;
  for (int i = 0; i < 16; ++i) {
    results.push_back(std::async(std::launch::async, [&, i] {
      http::Client client("http://127.0.0.1:" + std::to_string(service->port()), through(tunnels, "node-a"));
      return client.request("GET", "/s" + std::to_string(i)).body;
    }));
  }
  for (int i = 0; i < 16; ++i) EXPECT_EQ(results[i].get(), "node says /s" + std::to_string(i) + " body=0");
}

TEST(Tunnel, UpgradedStreamsPassThrough) {
  tunnel::TunnelServer tunnels;
  auto listener = tunnel_listener(tunnels);
  auto service = node_service();
  auto agent = start_agent(listener->port(), "node-a", service->port());
  ASSERT_TRUE(wait_for([&] { return tunnels.connected("node-a"); }));
  http::Client client("http://127.0.0.1:" + std::to_string(service->port()), through(tunnels, "node-a"));
  http::Headers h;
  h.add("Upgrade", "upper");
  h.add("Connection", "Upgrade");
  auto res = client.upgrade("GET", "/exec", h);
  ASSERT_EQ(res.status, 101);
  ASSERT_TRUE(res.connection->write("exec me"));
  std::string got;
  while (got.size() < 7) {
    auto more = res.connection->read_some();
    if (more.empty()) break;
    got += more;
  }
  EXPECT_EQ(got, "EXEC ME");
}

TEST(Tunnel, AgentRefusesAddressesItDoesNotAllow) {
  tunnel::TunnelServer tunnels;
  auto listener = tunnel_listener(tunnels);
  auto service = node_service();
  auto agent = start_agent(listener->port(), "node-a", service->port());
  ASSERT_TRUE(wait_for([&] { return tunnels.connected("node-a"); }));
  try {
    tunnels.dial("node-a", "127.0.0.1:22");
    FAIL() << "expected a refusal";
  } catch (const http::DialError& e) {
    EXPECT_NE(std::string(e.what()).find("not allowed"), std::string::npos) << e.what();
  }
  try {
    tunnels.dial("node-a", "10.1.2.3:" + std::to_string(service->port()));
    FAIL() << "expected a refusal";
  } catch (const http::DialError& e) {
    EXPECT_NE(std::string(e.what()).find("not allowed"), std::string::npos) << e.what();
  }
}

TEST(Tunnel, UnknownNodeHasNoTunnel) {
  tunnel::TunnelServer tunnels;
  EXPECT_THROW(tunnels.dial("ghost", "127.0.0.1:10250"), http::DialError);
}

TEST(Tunnel, HandshakeWithoutWebsocketHeadersIsRefused) {
  tunnel::TunnelServer tunnels;
  auto listener = tunnel_listener(tunnels);
  http::Client client("http://127.0.0.1:" + std::to_string(listener->port()));
  auto res = client.request("GET", tunnel::kConnectPath);
  EXPECT_EQ(res.status, 400);
}

TEST(Tunnel, AgentReconnectsAfterTheServerRestarts) {
  auto tunnels = std::make_unique<tunnel::TunnelServer>();
  auto listener = tunnel_listener(*tunnels);
  const int port = listener->port();
  auto service = node_service();
  std::atomic<int> connects{0};
  auto agent = start_agent(port, "node-a", service->port());
  ASSERT_TRUE(wait_for([&] { return tunnels->connected("node-a"); }));

  listener->stop();
  tunnels->stop();
  listener.reset();
  tunnels = std::make_unique<tunnel::TunnelServer>();
  listener = tunnel_listener(*tunnels, port);
  ASSERT_TRUE(wait_for([&] { return tunnels->connected("node-a"); }));
  http::Client client("http://127.0.0.1:" + std::to_string(service->port()), through(*tunnels, "node-a"));
  EXPECT_EQ(client.request("GET", "/again").body, "node says /again body=0");
  (void)connects;
}

TEST(Tunnel, StoppingTheAgentClosesItsTunnel) {
  tunnel::TunnelServer tunnels;
  auto listener = tunnel_listener(tunnels);
  auto service = node_service();
  auto agent = start_agent(listener->port(), "node-a", service->port());
  ASSERT_TRUE(wait_for([&] { return tunnels.connected("node-a"); }));
  agent->stop();
  EXPECT_TRUE(wait_for([&] { return !tunnels.connected("node-a"); }));
  EXPECT_THROW(tunnels.dial("node-a", "127.0.0.1:" + std::to_string(service->port())), http::DialError);
}
