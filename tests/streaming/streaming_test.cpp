// The stream clients' websocket fallback against a scripted peer on a socket pair that
// refuses SPDY and then plays the runtime's side of channel.k8s.io v4 (the real peers —
// containerd through the kubelet and API server — are exercised by
// tests/e2e/kubelet/streaming_e2e.sh).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "http/connection.h"
#include "http/websocket.h"
#include "streaming/port_forward.h"
#include "streaming/remote_command.h"

using namespace k3s;

namespace {

std::string frame(unsigned channel, const std::string& data) { return std::string(1, static_cast<char>(channel)) + data; }

// An Upgrader whose "server" is the other end of a socket pair, run by `peer`.
struct ScriptedPeer {
  std::thread thread;
  std::string offered_protocols;
  int spdy_refusals = 0;
  ~ScriptedPeer() {
    if (thread.joinable()) thread.join();
  }
  streaming::Upgrader upgrader(std::function<void(http::WebSocket&)> peer, std::string chosen = "v4.channel.k8s.io") {
    return [this, peer, chosen](const http::Headers& request) {
      // A server without SPDY: the clients must fall back to the websocket.
      if (streaming::is_spdy_upgrade(request)) {
        ++spdy_refusals;
        http::UpgradeResponse refused;
        refused.status = 400;
        refused.body = "SPDY is not spoken here";
        return refused;
      }
      int fds[2];
      EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
      offered_protocols = request.get("Sec-WebSocket-Protocol");
      http::UpgradeResponse answer;
      answer.status = 101;
      answer.headers.set("Sec-WebSocket-Accept", http::websocket_accept_key(request.get("Sec-WebSocket-Key")));
      if (!chosen.empty()) answer.headers.set("Sec-WebSocket-Protocol", chosen);
      answer.connection = http::adopt_socket(fds[0]);
      thread = std::thread([peer, fd = fds[1]] {
        http::WebSocket socket(http::adopt_socket(fd), http::WebSocket::Role::server);
        peer(socket);
        socket.close();
      });
      return answer;
    };
  }
};

TEST(RemoteCommand, DeliversOutputAndSuccess) {
  ScriptedPeer peer;
  streaming::RemoteCommand command(peer.upgrader([](http::WebSocket& ws) {
    ws.send_binary(frame(1, ""));  // the runtime's "ready" message
    ws.send_binary(frame(1, "out-1 "));
    ws.send_binary(frame(2, "err-1"));
    ws.send_binary(frame(1, "out-2"));
    ws.send_binary(frame(3, R"({"metadata":{},"status":"Success"})"));
  }), {false, true, true, false});
  EXPECT_EQ(peer.spdy_refusals, 1);  // SPDY was asked for first
  EXPECT_EQ(peer.offered_protocols, "v4.channel.k8s.io");
  std::string out, err;
  int code = command.run({-1, [&](std::string_view d) { out += d; }, [&](std::string_view d) { err += d; }});
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out, "out-1 out-2");
  EXPECT_EQ(err, "err-1");
}

TEST(RemoteCommand, CarriesStdinAndResizesAndExitCode) {
  ScriptedPeer peer;
  std::string seen_stdin, seen_resize;
  streaming::RemoteCommand command(peer.upgrader([&](http::WebSocket& ws) {
    while (seen_stdin.size() < 5 || seen_resize.empty()) {
      auto message = ws.receive();
      if (!message || message->empty()) return;
      if ((*message)[0] == 0) seen_stdin += message->substr(1);
      if ((*message)[0] == 4) seen_resize = message->substr(1);
    }
    ws.send_binary(frame(3, R"({"status":"Failure","reason":"NonZeroExitCode",
      "details":{"causes":[{"reason":"ExitCode","message":"42"}]}})"));
  }), {true, false, false, true});
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::write(fds[1], "hello", 5), 5);
  command.resize({120, 40});
  int code = command.run({fds[0], nullptr, nullptr});
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_EQ(code, 42);
  EXPECT_EQ(seen_stdin, "hello");
  EXPECT_EQ(seen_resize, R"({"Height":40,"Width":120})");
}

TEST(RemoteCommand, FailureStatusIsAStreamError) {
  ScriptedPeer peer;
  streaming::RemoteCommand command(peer.upgrader([](http::WebSocket& ws) {
    ws.send_binary(frame(3, R"js({"status":"Failure","message":"container not found (\"x\")"})js"));
  }), {});
  try {
    command.run({});
    FAIL() << "no error";
  } catch (const streaming::StreamError& e) {
    EXPECT_STREQ(e.what(), "container not found (\"x\")");
  }
}

TEST(RemoteCommand, StreamEndingWithoutStatusIsAnError) {
  ScriptedPeer peer;
  streaming::RemoteCommand command(peer.upgrader([](http::WebSocket& ws) { ws.send_binary(frame(1, "partial")); }), {});
  EXPECT_THROW(command.run({}), streaming::StreamError);
}

TEST(RemoteCommand, RefusedUpgradeAndUnknownProtocolAreErrors) {
  streaming::Upgrader refuse = [](const http::Headers&) {
    http::UpgradeResponse answer;
    answer.status = 403;
    answer.body = "no";
    return answer;
  };
  EXPECT_THROW(streaming::RemoteCommand(refuse, {}), streaming::StreamError);
  ScriptedPeer peer;
  EXPECT_THROW(streaming::RemoteCommand(peer.upgrader([](http::WebSocket&) {}, "v9.channel.k8s.io"), {}),
               streaming::StreamError);
}

TEST(ExitCodeOfStatus, ReadsKubesStatuses) {
  EXPECT_EQ(streaming::exit_code_of_status(R"({"status":"Success"})"), 0);
  EXPECT_EQ(streaming::exit_code_of_status(
                R"({"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"7"}]}})"),
            7);
  EXPECT_THROW(streaming::exit_code_of_status("not json"), streaming::StreamError);
  EXPECT_THROW(streaming::exit_code_of_status(R"({"status":"Failure","reason":"NonZeroExitCode"})"), streaming::StreamError);
}

TEST(PortForward, StripsPortPrefixesAndRelaysBothWays) {
  ScriptedPeer peer;
  int local_fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, local_fds), 0);
  auto local = http::adopt_socket(local_fds[0]);
  auto user = http::adopt_socket(local_fds[1]);
  std::string request_seen;
  auto upgrade = peer.upgrader([&](http::WebSocket& ws) {
    ws.send_binary(frame(0, std::string("\x90\x1f", 2)));  // port 8080, little endian
    ws.send_binary(frame(1, std::string("\x90\x1f", 2)));
    while (request_seen.size() < 4) {
      auto message = ws.receive();
      if (!message) return;
      if (!message->empty() && (*message)[0] == 0) request_seen += message->substr(1);
    }
    ws.send_binary(frame(0, "pong"));
  });
  std::thread client([&] { EXPECT_EQ(streaming::forward_connection(upgrade, 8080, *local), ""); });
  ASSERT_TRUE(user->write("ping"));
  std::string answer;
  while (answer.size() < 4) {
    std::string more = user->read_some();
    if (more.empty()) break;
    answer += more;
  }
  EXPECT_EQ(answer, "pong");
  EXPECT_EQ(user->read_some(), "");  // the pod's side ended: so does the local connection
  client.join();
  EXPECT_EQ(request_seen, "ping");
}

}  // namespace
