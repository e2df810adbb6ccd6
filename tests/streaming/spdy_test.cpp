// SPDY/3.1 framing and header compression, and the remote command and port-forward clients
// over SPDY against a scripted server on a socket pair (the real server — containerd through
// the kubelet and the API server — is exercised by tests/e2e/kubelet/streaming_e2e.sh).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <map>
#include <thread>

#include "http/connection.h"
#include "spdy_frame.h"
#include "streaming/port_forward.h"
#include "streaming/remote_command.h"

using namespace k3s;
namespace spdy = streaming::detail::spdy;

namespace {

std::vector<spdy::Frame> read_all(spdy::FrameReader& reader) {
  std::vector<spdy::Frame> frames;
  while (auto frame = reader.next()) frames.push_back(std::move(*frame));
  return frames;
}

TEST(SpdyFrame, RoundTripsSplitAcrossReads) {
  spdy::HeaderDeflater deflater;
  std::string wire = spdy::encode_syn_stream(1, 0, {{"streamtype", "stdin"}}, deflater) +
                     spdy::encode_data(1, 0, "hello") + spdy::encode_data(1, spdy::kFlagFin, "") +
                     spdy::encode_ping(7) + spdy::encode_rst_stream(3, spdy::kCancel);
  // One byte per read: every frame boundary and header field is split somewhere.
  spdy::FrameReader reader;
  std::vector<spdy::Frame> frames;
  for (char c : wire) {
    reader.feed(std::string_view(&c, 1));
    for (auto& f : read_all(reader)) frames.push_back(std::move(f));
  }
  ASSERT_EQ(frames.size(), 5u);
  EXPECT_TRUE(frames[0].control);
  EXPECT_EQ(frames[0].type, spdy::kSynStream);
  EXPECT_EQ(spdy::control_stream_id(frames[0]), 1u);
  spdy::HeaderInflater inflater;
  EXPECT_EQ(inflater.decompress(spdy::header_block(frames[0])), (spdy::HeaderList{{"streamtype", "stdin"}}));
  EXPECT_FALSE(frames[1].control);
  EXPECT_EQ(frames[1].stream_id, 1u);
  EXPECT_EQ(frames[1].payload, "hello");
  EXPECT_FALSE(frames[1].fin());
  EXPECT_TRUE(frames[2].fin());
  EXPECT_TRUE(frames[2].payload.empty());
  EXPECT_EQ(frames[3].type, spdy::kPing);
  EXPECT_EQ(spdy::read_u32(frames[3].payload, 0), 7u);
  EXPECT_EQ(frames[4].type, spdy::kRstStream);
  EXPECT_EQ(spdy::control_stream_id(frames[4]), 3u);
  EXPECT_EQ(spdy::read_u32(frames[4].payload, 4), spdy::kCancel);
}

TEST(SpdyFrame, HeaderLayoutFollowsTheSpec) {
  std::string data = spdy::encode_data(5, spdy::kFlagFin, "ab");
  EXPECT_EQ(data, std::string("\x00\x00\x00\x05\x01\x00\x00\x02" "ab", 10));
  std::string ping = spdy::encode_ping(1);
  EXPECT_EQ(ping, std::string("\x80\x03\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01", 12));
}

TEST(SpdyFrame, OtherVersionsAreRefused) {
  spdy::FrameReader reader;
  reader.feed(std::string("\x80\x02\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01", 12));
  EXPECT_THROW(reader.next(), spdy::ProtocolError);
}

TEST(SpdyHeaders, CompressionContextSpansBlocks) {
  spdy::HeaderDeflater deflater;
  spdy::HeaderInflater inflater;
  const spdy::HeaderList first{{"streamtype", "error"}, {"port", "8080"}, {"requestid", "0"}};
  const spdy::HeaderList second{{"streamtype", "data"}, {"port", "8080"}, {"requestid", "0"}};
  const spdy::HeaderList third{{"x-multi", std::string("a\0b", 3)}, {"long", std::string(20000, 'z')}};
  std::string a = deflater.compress(first), b = deflater.compress(second), c = deflater.compress(third);
  // The second block leans on the first: it inflates only in order, in the same context.
  EXPECT_EQ(inflater.decompress(a), first);
  EXPECT_EQ(inflater.decompress(b), second);
  EXPECT_EQ(inflater.decompress(c), third);
  spdy::HeaderInflater fresh;
  EXPECT_THROW(fresh.decompress(b), spdy::ProtocolError);
}

TEST(SpdyHeaders, FirstBlockNamesSpdy3Dictionary) {
  // A zlib stream primed with a dictionary carries its Adler-32 (RFC 1950); this pins the
  // SPDY/3 dictionary byte for byte.
  spdy::HeaderDeflater deflater;
  std::string block = deflater.compress({{"a", "b"}});
  ASSERT_GE(block.size(), 6u);
  EXPECT_TRUE(static_cast<unsigned char>(block[1]) & 0x20);  // FDICT
  EXPECT_EQ(spdy::read_u32(block, 2), 0xe3c6a7c2u);
}

// The server side of a SPDY stream connection on the far end of a socket pair.
class ScriptedServer {
 public:
  explicit ScriptedServer(http::Connection& connection) : connection_(connection) {}
  // The next frame the client sent; nullopt when it went away.
  std::optional<spdy::Frame> next() {
    for (;;) {
      if (auto frame = reader_.next()) {
        if (frame->control && frame->type == spdy::kSynStream) {
          auto headers = inflater_.decompress(spdy::header_block(*frame));
          const std::uint32_t id = spdy::control_stream_id(*frame);
          for (const auto& [name, value] : headers) {
            if (name == "streamtype") streams[value] = id;
            if (name == "port") ports[id] = value;
          }
          connection_.write(spdy::encode_syn_reply(id, 0, {}, deflater_));
        }
        return frame;
      }
      std::string more = connection_.read_some();
      if (more.empty()) return std::nullopt;
      reader_.feed(more);
    }
  }
  void write(std::uint32_t stream, const std::string& data, bool fin = false) {
    connection_.write(spdy::encode_data(stream, fin ? spdy::kFlagFin : 0, data));
  }

  std::map<std::string, std::uint32_t> streams;
  std::map<std::uint32_t, std::string> ports;

 private:
  http::Connection& connection_;
  spdy::FrameReader reader_;
  spdy::HeaderInflater inflater_;
  spdy::HeaderDeflater deflater_;
};

struct SpdyPeer {
  std::thread thread;
  http::Headers request;
  ~SpdyPeer() {
    if (thread.joinable()) thread.join();
  }
  streaming::Upgrader upgrader(std::function<void(ScriptedServer&)> script, std::string protocol) {
    return [this, script, protocol](const http::Headers& headers) {
      request = headers;
      int fds[2];
      EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
      http::UpgradeResponse answer;
      answer.status = 101;
      answer.headers.set("Upgrade", "SPDY/3.1");
      answer.headers.set("X-Stream-Protocol-Version", protocol);
      answer.connection = http::adopt_socket(fds[0]);
      thread = std::thread([script, fd = fds[1]] {
        auto connection = http::adopt_socket(fd);
        ScriptedServer server(*connection);
        script(server);
        connection->close();
      });
      return answer;
    };
  }
};

const char* const kSuccess = R"({"metadata":{},"status":"Success"})";

TEST(RemoteCommandSpdy, EndOfStdinReachesTheCommand) {
  SpdyPeer peer;
  std::string stdin_seen;
  bool stdin_finished = false;
  streaming::RemoteCommand command(
      peer.upgrader(
          [&](ScriptedServer& server) {
            // Like `wc -c`: answers only once its input ended.
            while (auto frame = server.next()) {
              if (frame->control || frame->stream_id != server.streams["stdin"]) continue;
              stdin_seen += frame->payload;
              if (frame->fin()) {
                stdin_finished = true;
                break;
              }
            }
            server.write(server.streams["stdout"], std::to_string(stdin_seen.size()) + "\n", true);
            server.write(server.streams["stderr"], "", true);
            server.write(server.streams["error"], kSuccess, true);
          },
          "v4.channel.k8s.io"),
      {true, true, true, false});
  EXPECT_EQ(peer.request.get("Upgrade"), "SPDY/3.1");
  EXPECT_EQ(peer.request.get("X-Stream-Protocol-Version"), "v4.channel.k8s.io");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::write(fds[1], "a\nb\n", 4), 4);
  ::close(fds[1]);
  std::string out;
  int code = command.run({fds[0], [&](std::string_view d) { out += d; }, [](std::string_view) {}});
  ::close(fds[0]);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out, "4\n");
  peer.thread.join();
  EXPECT_TRUE(stdin_finished);
  EXPECT_EQ(stdin_seen, "a\nb\n");
}

TEST(RemoteCommandSpdy, ExitCodeAndStreamsOfATty) {
  SpdyPeer peer;
  std::map<std::string, std::uint32_t> opened;
  std::string resize;
  streaming::RemoteCommand command(
      peer.upgrader(
          [&](ScriptedServer& server) {
            while (resize.empty()) {
              auto frame = server.next();
              if (!frame) return;
              if (!frame->control && frame->stream_id == server.streams["resize"]) resize = frame->payload;
            }
            opened = server.streams;
            server.write(server.streams["stdout"], "out", true);
            server.write(server.streams["error"],
                         R"({"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}})",
                         true);
          },
          "v4.channel.k8s.io"),
      {false, true, false, true});
  command.resize({80, 24});
  std::string out;
  EXPECT_EQ(command.run({-1, [&](std::string_view d) { out += d; }, nullptr}), 3);
  EXPECT_EQ(out, "out");
  peer.thread.join();
  EXPECT_EQ(resize, R"({"Height":24,"Width":80})");
  EXPECT_EQ(opened.count("stderr"), 0u);
  EXPECT_EQ(opened.count("stdin"), 0u);
  EXPECT_EQ(opened.count("error"), 1u);
  EXPECT_EQ(opened["error"], 1u);  // opened first, like kubectl
}

TEST(RemoteCommandSpdy, ServerThatDoesNotNegotiateV4IsRefused) {
  SpdyPeer peer;
  EXPECT_THROW(streaming::RemoteCommand(peer.upgrader([](ScriptedServer&) {}, ""), {false, true, true, false}),
               streaming::StreamError);
}

TEST(PortForwardSpdy, RelaysBothWaysAndHalfClosesTheDataStream) {
  SpdyPeer peer;
  std::string received, port;
  auto upgrade = peer.upgrader(
      [&](ScriptedServer& server) {
        while (auto frame = server.next()) {
          if (frame->control || frame->stream_id != server.streams["data"]) continue;
          received += frame->payload;
          if (frame->fin()) break;
        }
        port = server.ports[server.streams["data"]];
        server.write(server.streams["data"], "pong:" + received, true);
        server.write(server.streams["error"], "", true);
      },
      "portforward.k8s.io");
  int local_fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, local_fds), 0);
  auto local = http::adopt_socket(local_fds[0]);
  auto user = http::adopt_socket(local_fds[1]);
  std::thread client([&] { EXPECT_EQ(streaming::forward_connection(upgrade, 8080, *local), ""); });
  ASSERT_TRUE(user->write("ping"));
  user->close_write();  // the pod sees the end of the request as a FIN
  std::string answer;
  for (std::string more; !(more = user->read_some()).empty();) answer += more;
  client.join();
  EXPECT_EQ(answer, "pong:ping");
  EXPECT_EQ(port, "8080");
}

TEST(PortForwardSpdy, ReportsTheErrorStream) {
  SpdyPeer peer;
  auto upgrade = peer.upgrader(
      [&](ScriptedServer& server) {
        while (server.streams.size() < 2)
          if (!server.next()) return;
        server.write(server.streams["error"], "error forwarding port 9: connection refused", true);
        server.write(server.streams["data"], "", true);
      },
      "portforward.k8s.io");
  int local_fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, local_fds), 0);
  auto local = http::adopt_socket(local_fds[0]);
  auto user = http::adopt_socket(local_fds[1]);
  EXPECT_EQ(streaming::forward_connection(upgrade, 9, *local), "error forwarding port 9: connection refused");
}

}  // namespace
