// RFC 6455 websocket framing over an already switched http::Connection: the handshake
// helpers, binary messages, ping/pong and the close exchange. The agent tunnel and the
// Kubernetes streaming protocols (exec, attach, port-forward) run over it.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http/message.h"

namespace k3s::http {

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.
std::string websocket_accept_key(const std::string& client_key);
// A fresh random Sec-WebSocket-Key.
std::string websocket_client_key();
// Sets a client's handshake headers (Upgrade, Connection, version, a fresh key and, when
// given, the offered subprotocols in order of preference); returns the key, which
// websocket_accepted() checks the answer against.
std::string add_websocket_client_headers(Headers& headers, const std::vector<std::string>& protocols = {});
// Whether a 101 answer's headers complete the handshake started with `key`.
bool websocket_accepted(const Headers& answer, const std::string& key);

class WebSocket {
 public:
  enum class Role { client, server };  // clients mask what they send
  WebSocket(std::unique_ptr<http::Connection> connection, Role role);
  ~WebSocket();

  // Thread-safe. False once the connection is gone.
  bool send_binary(std::string_view payload);
  bool send_ping();
  // One reader only: the next binary/text message; answers pings itself; nullopt at the end
  // (close frame, broken connection or a protocol violation).
  std::optional<std::string> receive();
  // Thread-safe: sends a close frame (once) and closes the connection, waking receive().
  void close();
  // Whether any frame (pongs included) arrived since the previous call.
  bool take_activity() { return activity_.exchange(false); }

 private:
  bool send_frame(unsigned opcode, std::string_view payload);
  bool fill(std::size_t want);

  std::unique_ptr<http::Connection> connection_;
  Role role_;
  std::mutex write_mu_;
  bool close_sent_ = false;
  std::string in_;  // received bytes not yet parsed
  std::atomic<bool> activity_{true};
};

}  // namespace k3s::http
