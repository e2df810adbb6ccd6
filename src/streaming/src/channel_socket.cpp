#include "channel_socket.h"

#include <algorithm>

namespace k3s::streaming::detail {

ChannelSocket::ChannelSocket(const Upgrader& upgrade, const std::vector<std::string>& protocols) {
  http::Headers headers;
  const std::string key = http::add_websocket_client_headers(headers, protocols);
  http::UpgradeResponse answer = upgrade(headers);
  if (answer.status != 101 || !answer.connection)
    throw StreamError("unable to upgrade connection: " + (answer.body.empty() ? std::to_string(answer.status) : answer.body));
  if (!http::websocket_accepted(answer.headers, key))
    throw StreamError("unable to upgrade connection: the answer is not a websocket handshake");
  protocol_ = answer.headers.get("Sec-WebSocket-Protocol");
  // An answer without a protocol means the server's default (the first channel protocol);
  // one we did not offer means we cannot understand it.
  if (!protocol_.empty() && std::find(protocols.begin(), protocols.end(), protocol_) == protocols.end())
    throw StreamError("unable to upgrade connection: the server chose the unknown protocol " + protocol_);
  socket_ = std::make_unique<http::WebSocket>(std::move(answer.connection), http::WebSocket::Role::client);
}

bool ChannelSocket::send(unsigned channel, std::string_view data) {
  std::string message;
  message.reserve(data.size() + 1);
  message.push_back(static_cast<char>(channel));
  message.append(data);
  return socket_->send_binary(message);
}

std::optional<ChannelMessage> ChannelSocket::receive() {
  for (;;) {
    auto message = socket_->receive();
    if (!message) return std::nullopt;
    if (message->empty()) continue;  // keep-alive noise; every real message has its channel byte
    return ChannelMessage{static_cast<unsigned char>((*message)[0]), message->substr(1)};
  }
}

void ChannelSocket::close() { socket_->close(); }

}  // namespace k3s::streaming::detail
