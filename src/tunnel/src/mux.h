// Stream multiplexing over one websocket. Every websocket message is one frame:
//   [type: 1 byte][stream id: 4 bytes big-endian][payload]
// OPEN carries "host:port", OPENED accepts, REFUSED carries the reason, DATA carries bytes,
// CREDIT (4-byte count) lets the sender send that many more bytes, EOF ends one direction,
// RESET ends the stream. Each direction of a stream may have at most kWindowBytes in flight,
// so a slow reader stalls only its own stream and buffers stay bounded.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "http/message.h"
#include "http/websocket.h"

namespace k3s::tunnel::detail {

using http::WebSocket;

constexpr std::size_t kWindowBytes = 256 * 1024;
constexpr std::size_t kMaxDataFrame = 32 * 1024;

enum class FrameType : std::uint8_t { open = 1, opened = 2, refused = 3, data = 4, credit = 5, eof = 6, reset = 7 };

struct StreamState;

class MuxSession : public std::enable_shared_from_this<MuxSession> {
 public:
  // Runs on a thread of its own for each OPEN the peer sends: connects to the local target
  // (throwing http::DialError, whose text goes back as the refusal). The session then
  // splices the stream with it until either side ends.
  using OpenHandler = std::function<std::unique_ptr<http::Connection>(const std::string& address)>;

  MuxSession(std::unique_ptr<WebSocket> socket, OpenHandler on_open);
  ~MuxSession();

  // Reads frames until the websocket ends; then every stream is broken. Call once.
  void run();
  // Opens a stream to `address` on the peer; throws http::DialError when refused, on
  // timeout or when the session is gone.
  std::unique_ptr<http::Connection> open(const std::string& address, std::chrono::milliseconds timeout);
  void close();
  bool closed() const;

  // Stream side.
  bool send(FrameType type, std::uint32_t id, std::string_view payload = {});
  void forget(std::uint32_t id);

 private:
  void dispatch(const std::string& message);
  void serve_open(std::uint32_t id, std::string address);

  std::unique_ptr<WebSocket> socket_;
  OpenHandler on_open_;
  mutable std::mutex mu_;
  std::map<std::uint32_t, std::shared_ptr<StreamState>> streams_;
  std::uint32_t next_id_ = 1;
  bool closed_ = false;
  std::condition_variable closed_cv_;
};

}  // namespace k3s::tunnel::detail
