#include "http/message.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "body_pieces.h"

namespace k3s::http {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

void Headers::set(const std::string& name, std::string value) {
  std::erase_if(fields_, [&](const auto& f) { return iequals(f.first, name); });
  fields_.emplace_back(name, std::move(value));
}

std::string Headers::get(std::string_view name) const {
  for (const auto& [n, v] : fields_)
    if (iequals(n, name)) return v;
  return {};
}

bool Headers::has(std::string_view name) const {
  for (const auto& f : fields_)
    if (iequals(f.first, name)) return true;
  return false;
}

std::vector<std::string> Headers::get_all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : fields_)
    if (iequals(n, name)) out.push_back(v);
  return out;
}

std::size_t Response::body_size() const {
  std::size_t size = body.size();
  if (pieces)
    for (std::size_t i = 0, n = pieces->count(); i < n; ++i) size += pieces->piece(i).size();
  return size;
}

std::string Response::full_body() const {
  if (!pieces) return body;
  std::string out;
  out.reserve(body_size());
  out += body;
  for (std::size_t i = 0, n = pieces->count(); i < n; ++i) out += pieces->piece(i);
  return out;
}

namespace detail {

std::size_t PieceReader::read(char* out, std::size_t capacity) {
  std::size_t written = 0;
  while (written < capacity && index_ <= count_) {
    const std::string_view part = index_ == 0 ? std::string_view(head_) : pieces_->piece(index_ - 1);
    const std::size_t n = std::min(capacity - written, part.size() - offset_);
    std::memcpy(out + written, part.data() + offset_, n);
    written += n;
    offset_ += n;
    if (offset_ == part.size()) {
      ++index_;
      offset_ = 0;
    }
  }
  return written;
}

}  // namespace detail

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos)
      out.emplace_back(percent_decode(part, true), "");
    else
      out.emplace_back(percent_decode(part.substr(0, eq), true), percent_decode(part.substr(eq + 1), true));
  }
  return out;
}

void split_target(std::string_view target, std::string& path, std::string& query) {
  auto qpos = target.find('?');
  path = percent_decode(target.substr(0, qpos), false);
  query = qpos == std::string_view::npos ? std::string() : std::string(target.substr(qpos + 1));
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

}  // namespace k3s::http
