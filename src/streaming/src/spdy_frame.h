// SPDY/3.1 framing as Kubernetes' SPDY streams use it (the fallback kubectl ends up on
// against containerd): frames, and name/value header blocks compressed with zlib primed by
// SPDY/3's fixed dictionary. One compression context per direction lives for the whole
// connection, so every header block must pass through the same deflater/inflater in order.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace k3s::streaming::detail::spdy {

class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum ControlType : std::uint16_t {
  kSynStream = 1,
  kSynReply = 2,
  kRstStream = 3,
  kSettings = 4,
  kPing = 6,
  kGoAway = 7,
  kHeaders = 8,
  kWindowUpdate = 9,
};

constexpr std::uint8_t kFlagFin = 0x01;
constexpr std::uint16_t kVersion = 3;
constexpr std::size_t kMaxPayload = 0xffffff;  // the length field has 24 bits

// RST_STREAM status codes used here.
constexpr std::uint32_t kProtocolErrorStatus = 1;
constexpr std::uint32_t kCancel = 5;

struct Frame {
  bool control = false;
  std::uint16_t type = 0;  // control frames only
  std::uint8_t flags = 0;
  std::uint32_t stream_id = 0;  // data frames; control frames carry theirs in the payload
  std::string payload;
  bool fin() const { return (flags & kFlagFin) != 0; }
};

std::string encode_data(std::uint32_t stream_id, std::uint8_t flags, std::string_view data);
std::string encode_control(std::uint16_t type, std::uint8_t flags, std::string_view payload);

// Cuts a byte stream into frames however it was split into reads.
class FrameReader {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete frame, or nullopt until more bytes arrive. Throws ProtocolError for a
  // control frame of another SPDY version.
  std::optional<Frame> next();

 private:
  std::string buffer_;
  std::size_t offset_ = 0;
};

std::uint32_t read_u32(std::string_view bytes, std::size_t at);
void append_u32(std::string& out, std::uint32_t value);

// Names are lower case on the wire (SPDY/3 refuses upper case); several values of one
// name travel as one value joined by NUL bytes, which this layer leaves to the caller.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

class HeaderDeflater {
 public:
  HeaderDeflater();
  ~HeaderDeflater();
  HeaderDeflater(const HeaderDeflater&) = delete;
  HeaderDeflater& operator=(const HeaderDeflater&) = delete;
  std::string compress(const HeaderList& headers);

 private:
  z_stream z_{};
};

class HeaderInflater {
 public:
  HeaderInflater();
  ~HeaderInflater();
  HeaderInflater(const HeaderInflater&) = delete;
  HeaderInflater& operator=(const HeaderInflater&) = delete;
  // Throws ProtocolError for a block that does not inflate or parse.
  HeaderList decompress(std::string_view block);

 private:
  z_stream z_{};
};

// Control frames with a header block: SYN_STREAM (stream_id, no association, priority 0),
// SYN_REPLY and HEADERS.
std::string encode_syn_stream(std::uint32_t stream_id, std::uint8_t flags, const HeaderList& headers, HeaderDeflater& deflater);
std::string encode_syn_reply(std::uint32_t stream_id, std::uint8_t flags, const HeaderList& headers, HeaderDeflater& deflater);
std::string encode_rst_stream(std::uint32_t stream_id, std::uint32_t status);
std::string encode_ping(std::uint32_t id);
std::string encode_goaway(std::uint32_t last_good_stream, std::uint32_t status);

// The stream id a control frame's payload starts with (SYN_STREAM, SYN_REPLY, RST_STREAM,
// HEADERS, WINDOW_UPDATE); throws ProtocolError when the payload is too short.
std::uint32_t control_stream_id(const Frame& frame);
// The header block of SYN_STREAM, SYN_REPLY or HEADERS.
std::string_view header_block(const Frame& frame);

}  // namespace k3s::streaming::detail::spdy
