// The channel framing Kubernetes puts over a websocket (wsstream): every binary message
// starts with one byte naming its channel (stdin 0, stdout 1, ... for a remote command; data
// and error pairs per port for port forwarding).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/websocket.h"
#include "streaming/remote_command.h"

namespace k3s::streaming::detail {

struct ChannelMessage {
  unsigned channel = 0;
  std::string data;
};

class ChannelSocket {
 public:
  // Sends the handshake through `upgrade` offering `protocols`; throws StreamError when the
  // answer is not a websocket speaking one of them.
  ChannelSocket(const Upgrader& upgrade, const std::vector<std::string>& protocols);

  const std::string& protocol() const { return protocol_; }
  // Thread-safe; false once the socket is gone.
  bool send(unsigned channel, std::string_view data);
  // One reader: the next message; nullopt at the end of the stream.
  std::optional<ChannelMessage> receive();
  // Thread-safe: ends the stream (wakes receive()).
  void close();

 private:
  std::unique_ptr<http::WebSocket> socket_;
  std::string protocol_;
};

}  // namespace k3s::streaming::detail
