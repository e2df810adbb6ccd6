#include "spdy_connection.h"

namespace k3s::streaming::detail {

SpdyConnection::SpdyConnection(const Upgrader& upgrade, const std::string& protocol) {
  http::Headers headers;
  headers.set("Connection", "Upgrade");
  headers.set("Upgrade", "SPDY/3.1");
  headers.set("X-Stream-Protocol-Version", protocol);
  http::UpgradeResponse answer = upgrade(headers);
  if (answer.status != 101 || !answer.connection)
    throw UpgradeRefused("unable to upgrade connection: " + (answer.body.empty() ? std::to_string(answer.status) : answer.body));
  if (!http::iequals(answer.headers.get("Upgrade"), "SPDY/3.1"))
    throw StreamError("unable to upgrade connection: the answer switched to " + answer.headers.get("Upgrade") + ", not SPDY/3.1");
  // No protocol in the answer means a server from before protocol negotiation (v1), whose
  // streams mean something else.
  if (answer.headers.get("X-Stream-Protocol-Version") != protocol)
    throw StreamError("unable to upgrade connection: the server does not speak " + protocol);
  connection_ = std::move(answer.connection);
}

SpdyConnection::~SpdyConnection() { close(); }

bool SpdyConnection::write(const std::string& frame) { return connection_->write(frame); }

std::uint32_t SpdyConnection::open_stream(const spdy::HeaderList& headers) {
  std::lock_guard lock(write_mu_);
  const std::uint32_t id = next_stream_;
  next_stream_ += 2;
  return write(spdy::encode_syn_stream(id, 0, headers, deflater_)) ? id : 0;
}

bool SpdyConnection::send(std::uint32_t stream, std::string_view data) {
  // Frames stay well below the 24-bit limit so a large write does not hold the line long.
  constexpr std::size_t kChunk = 32 * 1024;
  std::lock_guard lock(write_mu_);
  for (std::size_t at = 0; at < data.size(); at += kChunk)
    if (!write(spdy::encode_data(stream, 0, data.substr(at, kChunk)))) return false;
  return true;
}

bool SpdyConnection::finish(std::uint32_t stream) {
  std::lock_guard lock(write_mu_);
  return write(spdy::encode_data(stream, spdy::kFlagFin, {}));
}

std::optional<SpdyEvent> SpdyConnection::receive() {
  while (!ended_) {
    std::optional<spdy::Frame> frame;
    try {
      frame = reader_.next();
    } catch (const spdy::ProtocolError&) {
      ended_ = true;
      break;
    }
    if (!frame) {
      std::string more = connection_->read_some();
      if (more.empty()) {
        ended_ = true;
        break;
      }
      reader_.feed(more);
      continue;
    }
    try {
      if (!frame->control) {
        if (frame->payload.empty() && !frame->fin()) continue;
        return SpdyEvent{frame->stream_id, std::move(frame->payload), frame->fin()};
      }
      switch (frame->type) {
        case spdy::kSynReply:
        case spdy::kHeaders: {
          // Inflated even though nothing in them matters: the shared zlib window must see
          // every block in order.
          inflater_.decompress(spdy::header_block(*frame));
          if (frame->fin()) return SpdyEvent{spdy::control_stream_id(*frame), {}, true};
          break;
        }
        case spdy::kSynStream: {
          // Servers of these protocols never open streams; refuse any such stream.
          inflater_.decompress(spdy::header_block(*frame));
          std::lock_guard lock(write_mu_);
          write(spdy::encode_rst_stream(spdy::control_stream_id(*frame), spdy::kProtocolErrorStatus));
          break;
        }
        case spdy::kRstStream:
          return SpdyEvent{spdy::control_stream_id(*frame), {}, true};
        case spdy::kPing: {
          std::lock_guard lock(write_mu_);
          if (frame->payload.size() >= 4) write(spdy::encode_control(spdy::kPing, 0, frame->payload.substr(0, 4)));
          break;
        }
        case spdy::kGoAway:
          ended_ = true;
          break;
        default:  // SETTINGS, WINDOW_UPDATE and unknown types carry nothing we act on
          break;
      }
    } catch (const spdy::ProtocolError&) {
      ended_ = true;
    }
  }
  return std::nullopt;
}

void SpdyConnection::close() {
  if (connection_) connection_->close();
}

}  // namespace k3s::streaming::detail

namespace k3s::streaming {

bool is_spdy_upgrade(const http::Headers& request) { return http::iequals(request.get("Upgrade"), "SPDY/3.1"); }

}  // namespace k3s::streaming
