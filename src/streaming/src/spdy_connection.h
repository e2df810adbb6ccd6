// The client end of a Kubernetes SPDY stream connection: the `Upgrade: SPDY/3.1` handshake
// naming one sub-protocol (X-Stream-Protocol-Version), then streams the client opens with
// typed headers (streamtype, port, requestid), each of which can be half-closed with a FIN.
// The Go peers (spdystream in containerd, the kubelet) do no flow control, and neither does
// this client: it ignores WINDOW_UPDATE and SETTINGS and sends none.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"
#include "spdy_frame.h"
#include "streaming/remote_command.h"

namespace k3s::streaming::detail {

// The far side answered the SPDY upgrade with something else than a switch; the caller may
// try another transport.
class UpgradeRefused : public StreamError {
 public:
  using StreamError::StreamError;
};

struct SpdyEvent {
  std::uint32_t stream = 0;
  std::string data;
  bool end = false;  // the far side finished (FIN) or reset the stream
};

class SpdyConnection {
 public:
  // Throws UpgradeRefused for a non-101 answer, StreamError when the switch happened but
  // not to SPDY speaking `protocol`.
  SpdyConnection(const Upgrader& upgrade, const std::string& protocol);
  ~SpdyConnection();

  // Thread-safe. Opens a stream (SYN_STREAM) and returns its id; 0 once the connection is gone.
  std::uint32_t open_stream(const spdy::HeaderList& headers);
  // Thread-safe; false once the connection is gone.
  bool send(std::uint32_t stream, std::string_view data);
  // Thread-safe: half-closes our side of the stream (an empty DATA frame with FIN).
  bool finish(std::uint32_t stream);
  // One reader: the next piece of data or end of a stream; answers PINGs on the way.
  // nullopt once the connection ended (closed, GOAWAY, broken or garbled).
  std::optional<SpdyEvent> receive();
  // Thread-safe: ends the connection and wakes receive().
  void close();

 private:
  bool write(const std::string& frame);

  std::unique_ptr<http::Connection> connection_;
  std::mutex write_mu_;
  spdy::HeaderDeflater deflater_;
  std::uint32_t next_stream_ = 1;  // the client's streams have odd ids
  spdy::HeaderInflater inflater_;
  spdy::FrameReader reader_;
  bool ended_ = false;
};

}  // namespace k3s::streaming::detail
