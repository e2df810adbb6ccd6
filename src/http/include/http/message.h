// Plain HTTP request/response values shared by the server and the client side of the
// project's one HTTP stack. No Beast/Asio types leak out of this library.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace k3s::http {

// Header list keeping order and duplicates; names compare case-insensitively.
class Headers {
 public:
  void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
  void set(const std::string& name, std::string value);  // replaces every field of that name
  std::string get(std::string_view name) const;          // first value, "" when absent
  bool has(std::string_view name) const;
  std::vector<std::string> get_all(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

bool iequals(std::string_view a, std::string_view b);

// Who the TLS layer verified the peer to be (client certificate signed by the client CA).
struct PeerCertificate {
  bool verified = false;
  std::string common_name;
  std::vector<std::string> organizations;
};

struct Request {
  std::string method;   // "GET", "POST", ...
  std::string target;   // as received: path plus optional ?query
  std::string path;     // percent-decoded path without the query
  std::string query;    // raw query string after '?', "" when none
  Headers headers;
  std::string body;
  PeerCertificate peer;
  std::string remote_address;  // "ip:port"
  bool tls = false;
};

class StreamWriter;

// A body assembled from pieces that live elsewhere (for a list, the watch cache's encoding of
// each item), so a large response is never joined into one allocation: the server copies
// the pieces through a small reused buffer as the connection takes them. The source keeps
// its pieces alive and unchanged; they may be read more than once, from any thread.
class BodyPieces {
 public:
  virtual ~BodyPieces() = default;
  virtual std::size_t count() const = 0;
  virtual std::string_view piece(std::size_t index) const = 0;
};

// A connection after a protocol switch (101 Switching Protocols, e.g. websocket or SPDY):
// the raw byte stream of the same TCP/TLS connection, with no HTTP framing left. Blocking;
// one reader thread and one writer thread may use it at once.
class Connection {
 public:
  virtual ~Connection() = default;
  // Some bytes as they arrive; "" once the peer closed or the connection broke.
  virtual std::string read_some() = 0;
  // Writes everything; false once the connection is broken or closed.
  virtual bool write(std::string_view data) = 0;
  // Half-close: no more writes (TLS close_notify / TCP shutdown); reads go on.
  virtual void close_write() = 0;
  // Closes both directions and wakes a blocked read_some().
  virtual void close() = 0;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, the body is `body` followed by these pieces (Content-Length covers both).
  std::shared_ptr<const BodyPieces> pieces;
  // The whole body as one string: `body` plus the pieces joined (for in-process callers).
  std::string full_body() const;
  std::size_t body_size() const;
  // When set, the response is streamed with chunked transfer encoding: the server sends the
  // status and headers, then calls `stream` once (from a server thread) with a writer the
  // producer keeps and pushes chunks to from any thread. `body` is ignored.
  std::function<void(std::shared_ptr<StreamWriter>)> stream;
  // When set (status must be 101), the server writes the status and headers, then hands the
  // connection over: `upgrade` runs on a thread of its own and may block for the
  // connection's whole life; the connection is closed when it returns. `body` and `stream`
  // are ignored. Bytes the client sent after its request head are delivered by read_some().
  std::function<void(std::unique_ptr<Connection>)> upgrade;
};

// The producer side of a streaming response. All members are thread-safe.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // Queues one chunk; returns false once the client has gone or the stream was finished.
  virtual bool write(std::string chunk) = 0;
  // Ends the response (terminal chunk); the connection stays open for keep-alive.
  virtual void finish() = 0;
  // True once the client disconnected or finish() was called.
  virtual bool closed() const = 0;
  // Runs `callback` once when the stream closes for any reason (immediately if closed).
  virtual void on_close(std::function<void()> callback) = 0;
};

// Query-string helpers (application/x-www-form-urlencoded).
std::string percent_decode(std::string_view text, bool plus_is_space);
std::string percent_encode(std::string_view text);
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);
// Splits a request target as received ("/api/v1/pods?watch=1") into Request::path
// (percent-decoded) and Request::query (raw).
void split_target(std::string_view target, std::string& path, std::string& query);

const char* reason_phrase(int status);

}  // namespace k3s::http
