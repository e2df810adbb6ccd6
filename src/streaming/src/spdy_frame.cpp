#include "spdy_frame.h"

#include <array>
#include <cstring>

namespace k3s::streaming::detail::spdy {

namespace {

// SPDY/3's compression dictionary (draft 3, section 2.6.10.1): common header names and
// values, each with a 4-byte big-endian length in front, then a run of plain text.
const std::string& dictionary() {
  static const std::string dict = [] {
    static const char* const words[] = {
        "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding",
        "accept-language", "accept-ranges", "age", "allow", "authorization", "cache-control", "connection",
        "content-base", "content-encoding", "content-language", "content-length", "content-location",
        "content-md5", "content-range", "content-type", "date", "etag", "expect", "expires", "from", "host",
        "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified",
        "location", "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer",
        "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via",
        "warning", "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url",
        "public", "set-cookie", "keep-alive", "origin"};
    std::string out;
    for (const char* word : words) {
      append_u32(out, static_cast<std::uint32_t>(std::strlen(word)));
      out += word;
    }
    out +=
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
        "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request"
        "401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented"
        "503 Service Unavailable"
        "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
        "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
        "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";
    return out;
  }();
  return dict;
}

const Bytef* dictionary_bytes() { return reinterpret_cast<const Bytef*>(dictionary().data()); }

void append_u24(std::string& out, std::uint32_t value) {
  out.push_back(static_cast<char>((value >> 16) & 0xff));
  out.push_back(static_cast<char>((value >> 8) & 0xff));
  out.push_back(static_cast<char>(value & 0xff));
}

void append_string(std::string& out, std::string_view text) {
  append_u32(out, static_cast<std::uint32_t>(text.size()));
  out.append(text);
}

std::string encode_header_control(std::uint16_t type, std::uint8_t flags, std::string prefix, const HeaderList& headers,
                                  HeaderDeflater& deflater) {
  prefix += deflater.compress(headers);
  return encode_control(type, flags, prefix);
}

}  // namespace

std::uint32_t read_u32(std::string_view bytes, std::size_t at) {
  auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

void append_u32(std::string& out, std::uint32_t value) {
  out.push_back(static_cast<char>((value >> 24) & 0xff));
  append_u24(out, value & 0xffffff);
}

std::string encode_data(std::uint32_t stream_id, std::uint8_t flags, std::string_view data) {
  if (data.size() > kMaxPayload) throw ProtocolError("spdy: data frame too large");
  std::string out;
  out.reserve(8 + data.size());
  append_u32(out, stream_id & 0x7fffffff);
  out.push_back(static_cast<char>(flags));
  append_u24(out, static_cast<std::uint32_t>(data.size()));
  out.append(data);
  return out;
}

std::string encode_control(std::uint16_t type, std::uint8_t flags, std::string_view payload) {
  if (payload.size() > kMaxPayload) throw ProtocolError("spdy: control frame too large");
  std::string out;
  out.reserve(8 + payload.size());
  out.push_back(static_cast<char>(0x80 | (kVersion >> 8)));
  out.push_back(static_cast<char>(kVersion & 0xff));
  out.push_back(static_cast<char>(type >> 8));
  out.push_back(static_cast<char>(type & 0xff));
  out.push_back(static_cast<char>(flags));
  append_u24(out, static_cast<std::uint32_t>(payload.size()));
  out.append(payload);
  return out;
}

std::optional<Frame> FrameReader::next() {
  std::string_view rest(buffer_.data() + offset_, buffer_.size() - offset_);
  if (rest.size() < 8) return std::nullopt;
  const std::uint32_t word = read_u32(rest, 0);
  const std::uint32_t length = read_u32(rest, 4) & 0xffffff;
  if (rest.size() < 8 + length) return std::nullopt;
  Frame frame;
  frame.control = (word & 0x80000000u) != 0;
  frame.flags = static_cast<std::uint8_t>(rest[4]);
  if (frame.control) {
    const std::uint16_t version = static_cast<std::uint16_t>((word >> 16) & 0x7fff);
    if (version != kVersion) throw ProtocolError("spdy: unsupported version " + std::to_string(version));
    frame.type = static_cast<std::uint16_t>(word & 0xffff);
  } else {
    frame.stream_id = word & 0x7fffffff;
  }
  frame.payload.assign(rest.substr(8, length));
  offset_ += 8 + length;
  // Consumed bytes are dropped once they dominate the buffer, not per frame.
  if (offset_ > 64 * 1024 && offset_ * 2 > buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return frame;
}

HeaderDeflater::HeaderDeflater() {
  if (deflateInit(&z_, Z_DEFAULT_COMPRESSION) != Z_OK) throw ProtocolError("spdy: deflateInit failed");
  if (deflateSetDictionary(&z_, dictionary_bytes(), static_cast<uInt>(dictionary().size())) != Z_OK) {
    deflateEnd(&z_);
    throw ProtocolError("spdy: deflateSetDictionary failed");
  }
}

HeaderDeflater::~HeaderDeflater() { deflateEnd(&z_); }

std::string HeaderDeflater::compress(const HeaderList& headers) {
  std::string plain;
  append_u32(plain, static_cast<std::uint32_t>(headers.size()));
  for (const auto& [name, value] : headers) {
    append_string(plain, name);
    append_string(plain, value);
  }
  std::string out;
  z_.next_in = reinterpret_cast<Bytef*>(plain.data());
  z_.avail_in = static_cast<uInt>(plain.size());
  // A sync flush ends each block on a byte boundary so the peer can inflate it alone,
  // while the window stays shared with the blocks that follow.
  std::array<char, 4096> chunk;
  do {
    z_.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z_.avail_out = static_cast<uInt>(chunk.size());
    int rc = deflate(&z_, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR) throw ProtocolError("spdy: deflate failed");
    out.append(chunk.data(), chunk.size() - z_.avail_out);
  } while (z_.avail_out == 0);
  return out;
}

HeaderInflater::HeaderInflater() {
  if (inflateInit(&z_) != Z_OK) throw ProtocolError("spdy: inflateInit failed");
}

HeaderInflater::~HeaderInflater() { inflateEnd(&z_); }

HeaderList HeaderInflater::decompress(std::string_view block) {
  std::string plain;
  z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(block.data()));
  z_.avail_in = static_cast<uInt>(block.size());
  std::array<char, 4096> chunk;
  for (;;) {
    z_.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z_.avail_out = static_cast<uInt>(chunk.size());
    int rc = inflate(&z_, Z_SYNC_FLUSH);
    if (rc == Z_NEED_DICT) {
      if (inflateSetDictionary(&z_, dictionary_bytes(), static_cast<uInt>(dictionary().size())) != Z_OK)
        throw ProtocolError("spdy: the header block uses another dictionary");
      continue;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) throw ProtocolError("spdy: cannot inflate a header block");
    plain.append(chunk.data(), chunk.size() - z_.avail_out);
    if (z_.avail_in == 0 && z_.avail_out != 0) break;
    if (rc == Z_BUF_ERROR && z_.avail_out != 0) break;
  }
  auto need = [&](std::size_t at, std::size_t n) {
    if (at + n > plain.size()) throw ProtocolError("spdy: truncated header block");
  };
  std::size_t at = 0;
  need(at, 4);
  std::uint32_t count = read_u32(plain, at);
  at += 4;
  HeaderList headers;
  auto read_string = [&] {
    need(at, 4);
    std::uint32_t length = read_u32(plain, at);
    at += 4;
    need(at, length);
    std::string text = plain.substr(at, length);
    at += length;
    return text;
  };
  for (std::uint32_t i = 0; i < count; ++i) {
    std::string name = read_string();
    std::string value = read_string();
    headers.emplace_back(std::move(name), std::move(value));
  }
  return headers;
}

std::string encode_syn_stream(std::uint32_t stream_id, std::uint8_t flags, const HeaderList& headers, HeaderDeflater& deflater) {
  std::string prefix;
  append_u32(prefix, stream_id & 0x7fffffff);
  append_u32(prefix, 0);    // associated-to stream: none
  prefix.push_back('\0');   // priority 0 (highest) in the top 3 bits
  prefix.push_back('\0');   // slot
  return encode_header_control(kSynStream, flags, std::move(prefix), headers, deflater);
}

std::string encode_syn_reply(std::uint32_t stream_id, std::uint8_t flags, const HeaderList& headers, HeaderDeflater& deflater) {
  std::string prefix;
  append_u32(prefix, stream_id & 0x7fffffff);
  return encode_header_control(kSynReply, flags, std::move(prefix), headers, deflater);
}

std::string encode_rst_stream(std::uint32_t stream_id, std::uint32_t status) {
  std::string payload;
  append_u32(payload, stream_id & 0x7fffffff);
  append_u32(payload, status);
  return encode_control(kRstStream, 0, payload);
}

std::string encode_ping(std::uint32_t id) {
  std::string payload;
  append_u32(payload, id);
  return encode_control(kPing, 0, payload);
}

std::string encode_goaway(std::uint32_t last_good_stream, std::uint32_t status) {
  std::string payload;
  append_u32(payload, last_good_stream & 0x7fffffff);
  append_u32(payload, status);
  return encode_control(kGoAway, 0, payload);
}

std::uint32_t control_stream_id(const Frame& frame) {
  if (frame.payload.size() < 4) throw ProtocolError("spdy: control frame too short");
  return read_u32(frame.payload, 0) & 0x7fffffff;
}

std::string_view header_block(const Frame& frame) {
  const std::size_t skip = frame.type == kSynStream ? 10 : 4;
  if (frame.payload.size() < skip) throw ProtocolError("spdy: control frame too short");
  return std::string_view(frame.payload).substr(skip);
}

}  // namespace k3s::streaming::detail::spdy
