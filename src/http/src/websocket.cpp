#include "http/websocket.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdint>

#include "util/base64.h"

namespace k3s::http {

namespace {

constexpr unsigned kContinuation = 0x0, kText = 0x1, kBinary = 0x2, kClose = 0x8, kPing = 0x9, kPong = 0xA;
// Tunnel frames are at most a few tens of KiB; anything far larger is a broken peer.
constexpr std::uint64_t kMaxMessageBytes = 4 * 1024 * 1024;

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
  return out;
}

}  // namespace

std::string websocket_accept_key(const std::string& client_key) {
  static const char* kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input = client_key + kGuid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return util::base64_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string websocket_client_key() { return util::base64_encode(random_bytes(16)); }

std::string add_websocket_client_headers(Headers& headers, const std::vector<std::string>& protocols) {
  std::string key = websocket_client_key();
  headers.set("Upgrade", "websocket");
  headers.set("Connection", "Upgrade");
  headers.set("Sec-WebSocket-Key", key);
  headers.set("Sec-WebSocket-Version", "13");
  if (!protocols.empty()) {
    std::string offered;
    for (const auto& p : protocols) offered += (offered.empty() ? "" : ", ") + p;
    headers.set("Sec-WebSocket-Protocol", offered);
  }
  return key;
}

bool websocket_accepted(const Headers& answer, const std::string& key) {
  return answer.get("Sec-WebSocket-Accept") == websocket_accept_key(key);
}

WebSocket::WebSocket(std::unique_ptr<http::Connection> connection, Role role)
    : connection_(std::move(connection)), role_(role) {}

WebSocket::~WebSocket() { close(); }

bool WebSocket::send_frame(unsigned opcode, std::string_view payload) {
  std::string frame;
  frame.reserve(payload.size() + 14);
  frame.push_back(static_cast<char>(0x80 | opcode));
  const unsigned char mask_bit = role_ == Role::client ? 0x80 : 0x00;
  if (payload.size() < 126) {
    frame.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    frame.push_back(static_cast<char>(mask_bit | 126));
    frame.push_back(static_cast<char>(payload.size() >> 8));
    frame.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    frame.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8)
      frame.push_back(static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> shift) & 0xFF));
  }
  if (role_ == Role::client) {
    std::string mask = random_bytes(4);
    frame += mask;
    for (std::size_t i = 0; i < payload.size(); ++i) frame.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
  } else {
    frame.append(payload);
  }
  std::lock_guard lock(write_mu_);
  if (close_sent_ && opcode != kClose) return false;
  return connection_->write(frame);
}

bool WebSocket::send_binary(std::string_view payload) { return send_frame(kBinary, payload); }

bool WebSocket::send_ping() { return send_frame(kPing, {}); }

bool WebSocket::fill(std::size_t want) {
  while (in_.size() < want) {
    std::string more = connection_->read_some();
    if (more.empty()) return false;
    in_ += more;
  }
  return true;
}

std::optional<std::string> WebSocket::receive() {
  std::string message;
  bool in_message = false;
  for (;;) {
    if (!fill(2)) return std::nullopt;
    const auto b0 = static_cast<unsigned char>(in_[0]), b1 = static_cast<unsigned char>(in_[1]);
    const bool fin = b0 & 0x80;
    const unsigned opcode = b0 & 0x0F;
    const bool masked = b1 & 0x80;
    std::uint64_t length = b1 & 0x7F;
    std::size_t header = 2;
    if (length == 126) {
      if (!fill(4)) return std::nullopt;
      length = (static_cast<unsigned char>(in_[2]) << 8) | static_cast<unsigned char>(in_[3]);
      header = 4;
    } else if (length == 127) {
      if (!fill(10)) return std::nullopt;
      length = 0;
      for (int i = 2; i < 10; ++i) length = (length << 8) | static_cast<unsigned char>(in_[i]);
      header = 10;
    }
    // A server must see masked frames and a client unmasked ones (RFC 6455 §5.1).
    if (masked != (role_ == Role::server) || length > kMaxMessageBytes ||
        message.size() + length > kMaxMessageBytes) {
      close();
      return std::nullopt;
    }
    std::string mask;
    if (masked) {
      if (!fill(header + 4)) return std::nullopt;
      mask = in_.substr(header, 4);
      header += 4;
    }
    if (!fill(header + length)) return std::nullopt;
    std::string payload = in_.substr(header, length);
    in_.erase(0, header + length);
    if (masked)
      for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ mask[i % 4]);

    activity_ = true;
    switch (opcode) {
      case kPing:
        send_frame(kPong, payload);
        continue;
      case kPong:
        continue;
      case kClose:
        close();
        return std::nullopt;
      case kText:
      case kBinary:
        if (in_message) {
          close();
          return std::nullopt;
        }
        in_message = true;
        message = std::move(payload);
        break;
      case kContinuation:
        if (!in_message) {
          close();
          return std::nullopt;
        }
        message += payload;
        break;
      default:
        close();
        return std::nullopt;
    }
    if (fin) return message;
  }
}

void WebSocket::close() {
  // A writer blocked on a stalled peer holds the lock: then skip the courtesy close frame.
  std::unique_lock lock(write_mu_, std::try_to_lock);
  if (lock.owns_lock()) {
    if (!close_sent_) {
      close_sent_ = true;
      // Status 1000 (normal closure).
      std::string frame;
      frame.push_back(static_cast<char>(0x80 | kClose));
      if (role_ == Role::client) {
        frame.push_back(static_cast<char>(0x80 | 2));
        frame += std::string(4, '\0');  // zero mask leaves the payload as is
      } else {
        frame.push_back(2);
      }
      frame += std::string("\x03\xE8", 2);
      connection_->write(frame);
    }
    lock.unlock();
  }
  connection_->close();
}

}  // namespace k3s::http
