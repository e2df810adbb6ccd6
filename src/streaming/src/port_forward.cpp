#include "streaming/port_forward.h"

#include <thread>

#include "channel_socket.h"
#include "spdy_connection.h"

namespace k3s::streaming {

namespace {

constexpr unsigned kData = 0, kError = 1;
const char* const kChannelV4 = "v4.channel.k8s.io";

// Drops the two-byte port number the server writes first on each channel.
class PortPrefix {
 public:
  std::string strip(std::string data) {
    if (seen_ >= 2) return data;
    std::size_t take = std::min<std::size_t>(2 - seen_, data.size());
    seen_ += take;
    return data.substr(take);
  }

 private:
  std::size_t seen_ = 0;
};

// portforward.k8s.io over SPDY: an error stream and a data stream, both naming the port
// and one request id. The end of the local input half-closes the data stream; the pod's
// answers flow until the pod's side ends it.
std::string forward_over_spdy(detail::SpdyConnection& connection, std::uint16_t port, http::Connection& local) {
  const std::string port_text = std::to_string(port);
  const std::uint32_t error_stream =
      connection.open_stream({{"streamtype", "error"}, {"port", port_text}, {"requestid", "0"}});
  const std::uint32_t data_stream = connection.open_stream({{"streamtype", "data"}, {"port", port_text}, {"requestid", "0"}});
  if (error_stream == 0 || data_stream == 0) throw StreamError("unable to create the port-forward streams: the connection ended");
  connection.finish(error_stream);  // only the server writes there
  std::thread upstream([&] {
    for (;;) {
      std::string chunk = local.read_some();
      if (chunk.empty()) {
        connection.finish(data_stream);
        return;
      }
      if (!connection.send(data_stream, chunk)) return;
    }
  });
  std::string error;
  // Like kubectl, the error stream is read to its end too: the server ends it after the
  // forwarding ended, having written there why when the pod's port could not be reached.
  bool data_done = false, error_done = false;
  while (!(data_done && error_done)) {
    auto event = connection.receive();
    if (!event) break;
    if (event->stream == data_stream) {
      if (!data_done && !event->data.empty() && !local.write(event->data)) local.close();
      data_done = data_done || event->end;
      if (data_done) local.close();
    } else if (event->stream == error_stream) {
      error += event->data;
      error_done = error_done || event->end;
    }
  }
  connection.close();
  local.close();
  upstream.join();
  return error;
}

}  // namespace

std::string forward_connection(const Upgrader& upgrade, std::uint16_t port, http::Connection& local) {
  std::unique_ptr<detail::SpdyConnection> spdy;
  try {
    spdy = std::make_unique<detail::SpdyConnection>(upgrade, "portforward.k8s.io");
  } catch (const detail::UpgradeRefused&) {
  }
  if (spdy) return forward_over_spdy(*spdy, port, local);
  detail::ChannelSocket socket(upgrade, {kChannelV4, "portforward.k8s.io"});
  // Local → pod on a thread of its own. The v4 protocol has no half-close: when the local
  // side stops sending, the pod's answers still flow back until the pod's side ends.
  std::thread upstream([&] {
    for (;;) {
      std::string chunk = local.read_some();
      if (chunk.empty()) return;
      if (!socket.send(kData, chunk)) return;
    }
  });
  PortPrefix data_prefix, error_prefix;
  std::string error;
  while (auto message = socket.receive()) {

    if (message->channel == kData) {
      std::string data = data_prefix.strip(std::move(message->data));
      if (!data.empty() && !local.write(data)) break;
    } else if (message->channel == kError) {
      error += error_prefix.strip(std::move(message->data));
    }
  }
  socket.close();
  local.close();
  upstream.join();
  return error;
}

}  // namespace k3s::streaming
