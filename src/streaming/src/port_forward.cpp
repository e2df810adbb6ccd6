#include "streaming/port_forward.h"

#include <thread>

#include "channel_socket.h"

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

}  // namespace

std::string forward_connection(const Upgrader& upgrade, std::uint16_t /*port*/, http::Connection& local) {
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
