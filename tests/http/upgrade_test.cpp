// Protocol switches (101) on the real server and client, plain and TLS, plus dialers.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>

#include "http/client.h"
#include "http/connection.h"
#include "http/server.h"

using namespace k3s::http;
namespace fs = std::filesystem;

namespace {

ServerOptions loopback() {
  ServerOptions o;
  o.bind_address = "127.0.0.1";
  return o;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Switches to an "upper" protocol: every byte comes back upper-cased until the client ends.
Response upper_protocol(Request& req) {
  Response r;
  if (req.headers.get("Upgrade") != "upper") {
    r.status = 400;
    r.body = "want Upgrade: upper";
    return r;
  }
  r.status = 101;
  r.headers.set("Upgrade", "upper");
  r.headers.set("Connection", "Upgrade");
  r.upgrade = [](std::unique_ptr<Connection> c) {
    for (;;) {
      std::string data = c->read_some();
      if (data.empty() || !c->write(upper(data))) return;
    }
  };
  return r;
}

Headers upgrade_headers() {
  Headers h;
  h.add("Upgrade", "upper");
  h.add("Connection", "Upgrade");
  return h;
}

// Reads until `want` bytes arrived or the connection ended.
std::string read_n(Connection& c, std::size_t want) {
  std::string out;
  while (out.size() < want) {
    std::string more = c.read_some();
    if (more.empty()) break;
    out += more;
  }
  return out;
}

}  // namespace

TEST(HttpUpgrade, ClientAndServerSwitchToRawBytes) {
  Server server(loopback(), upper_protocol);
  Client client("http://127.0.0.1:" + std::to_string(server.port()));
  auto res = client.upgrade("GET", "/switch", upgrade_headers());
  ASSERT_EQ(res.status, 101);
  EXPECT_EQ(res.headers.get("upgrade"), "upper");
  ASSERT_TRUE(res.connection);
  ASSERT_TRUE(res.connection->write("hello"));
  EXPECT_EQ(read_n(*res.connection, 5), "HELLO");
  std::string big(200000, 'x');
  ASSERT_TRUE(res.connection->write(big));
  EXPECT_EQ(read_n(*res.connection, big.size()), upper(big));
}

TEST(HttpUpgrade, RefusalCarriesStatusAndBodyWithoutConnection) {
  Server server(loopback(), upper_protocol);
  Client client("http://127.0.0.1:" + std::to_string(server.port()));
  auto res = client.upgrade("GET", "/switch");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body, "want Upgrade: upper");
  EXPECT_FALSE(res.connection);
}

TEST(HttpUpgrade, BytesSentRightAfterTheRequestHeadReachTheNewProtocol) {
  Server server(loopback(), upper_protocol);
  auto raw = dial_tcp("127.0.0.1", std::to_string(server.port()));
  ASSERT_TRUE(raw->write("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: upper\r\nConnection: Upgrade\r\n\r\nearly"));
  std::string got;
  while (got.find("EARLY") == std::string::npos) {
    std::string more = raw->read_some();
    if (more.empty()) break;
    got += more;
  }
  EXPECT_EQ(got.rfind("HTTP/1.1 101", 0), 0u) << got;
  EXPECT_NE(got.find("EARLY"), std::string::npos) << got;
}

TEST(HttpUpgrade, ClientEndingTheConnectionEndsTheServerSide) {
  std::promise<void> ended;
  Server server(loopback(), [&](Request&) {
    Response r;
    r.status = 101;
    r.headers.set("Upgrade", "x");
    r.headers.set("Connection", "Upgrade");
    r.upgrade = [&](std::unique_ptr<Connection> c) {
      while (!c->read_some().empty()) {
      }
      ended.set_value();
    };
    return r;
  });
  Client client("http://127.0.0.1:" + std::to_string(server.port()));
  auto res = client.upgrade("GET", "/");
  ASSERT_EQ(res.status, 101);
  res.connection->close();
  EXPECT_EQ(ended.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
}

TEST(HttpUpgrade, ServerStopWakesABlockedUpgradedHandler) {
  std::promise<void> ended;
  std::promise<void> started;
  auto server = std::make_unique<Server>(loopback(), [&](Request&) {
    Response r;
    r.status = 101;
    r.upgrade = [&](std::unique_ptr<Connection> c) {
      started.set_value();
      while (!c->read_some().empty()) {
      }
      ended.set_value();
    };
    return r;
  });
  Client client("http://127.0.0.1:" + std::to_string(server->port()));
  auto res = client.upgrade("GET", "/");
  ASSERT_EQ(res.status, 101);
  ASSERT_EQ(started.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  server->stop();
  EXPECT_EQ(ended.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(res.connection->read_some(), "");
}

TEST(HttpUpgrade, DialerCarriesRequestsInsteadOfTcp) {
  Server server(loopback(), [](Request& req) {
    Response r;
    r.body = "host " + req.headers.get("Host");
    return r;
  });
  std::atomic<int> dials{0};
  ClientOptions options;
  options.dialer = [&](const std::string& host, const std::string& port) {
    EXPECT_EQ(host, "node-a.invalid");
    EXPECT_EQ(port, "10250");
    ++dials;
    return dial_tcp("127.0.0.1", std::to_string(server.port()));
  };
  Client client("http://node-a.invalid:10250", options);
  auto res = client.request("GET", "/healthz");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "host node-a.invalid:10250");
  EXPECT_GE(dials.load(), 1);
}

TEST(HttpUpgrade, DialerFailureIsAClientError) {
  ClientOptions options;
  options.dialer = [](const std::string&, const std::string&) -> std::unique_ptr<Connection> {
    throw DialError("no tunnel for node-a");
  };
  Client client("http://node-a.invalid:10250", options);
  try {
    client.request("GET", "/");
    FAIL() << "expected a ClientError";
  } catch (const ClientError& e) {
    EXPECT_NE(std::string(e.what()).find("no tunnel for node-a"), std::string::npos) << e.what();
  }
}

TEST(HttpUpgrade, TlsUpgradeOverADialerAndSplice) {
  auto dir = fs::temp_directory_path() / ("k3s-http-upgrade-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string cmd = "cd " + dir.string() +
                    " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tls.key "
                    "-out tls.crt -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 "
                    "2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto options = loopback();
  options.cert_file = (dir / "tls.crt").string();
  options.key_file = (dir / "tls.key").string();
  Server server(options, upper_protocol);
  ClientOptions co;
  co.ca_file = (dir / "tls.crt").string();
  // The dialer hands back one end of a proxy that splices to the real listener.
  co.dialer = [&](const std::string&, const std::string&) {
    auto upstream = std::shared_ptr<Connection>(dial_tcp("127.0.0.1", std::to_string(server.port())));
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    auto proxy_end = std::shared_ptr<Connection>(adopt_socket(fds[0]));
    std::thread([upstream, proxy_end] { splice(*upstream, *proxy_end); }).detach();
    return adopt_socket(fds[1]);
  };
  Client client("https://localhost:" + std::to_string(server.port()), co);
  auto res = client.upgrade("GET", "/", upgrade_headers());
  ASSERT_EQ(res.status, 101);
  ASSERT_TRUE(res.connection->write("over tls"));
  EXPECT_EQ(read_n(*res.connection, 8), "OVER TLS");
  res.connection.reset();
  fs::remove_all(dir);
}
