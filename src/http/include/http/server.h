// HTTPS (or plain HTTP) server on Boost.Beast: HTTP/1.1 keep-alive, client certificates
// requested and verified against a CA but optional, a request body cap, per-request
// timeouts, and streaming chunked responses for long-running requests such as watches.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "http/message.h"

namespace k3s::http {

class HttpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Handlers run on a worker pool (they may block briefly on storage) and return a
// Response; long-running responses set Response::stream and return at once.
using Handler = std::function<Response(Request&)>;

// Builds the body of errors the HTTP layer answers itself (413 too large, 504 timeout,
// 400 malformed request), so the API server can answer with its own error format.
using ErrorResponder = std::function<Response(int status, const std::string& message)>;

struct ServerOptions {
  std::string bind_address = "0.0.0.0";
  int port = 0;  // 0 = choose a free port (see Server::port())
  // TLS is on when cert_file is set. client_ca_file makes the server request a client
  // certificate and verify it against that CA; a missing certificate is still accepted.
  std::string cert_file, key_file, client_ca_file;
  std::size_t max_body_bytes = 3 * 1024 * 1024;
  std::size_t max_header_bytes = 1024 * 1024;
  std::chrono::seconds request_timeout{60};   // handler time for non-streaming responses
  std::chrono::seconds read_timeout{60};      // time to receive one request
  std::chrono::seconds idle_timeout{90};      // keep-alive idle time between requests
  int io_threads = 2;
  int worker_threads = 8;
  ErrorResponder error_responder;  // optional
};

class Server {
 public:
  // Binds and starts listening; throws HttpError on a bad address, port in use or bad TLS files.
  Server(ServerOptions options, Handler handler);
  ~Server();  // stops
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;  // the bound port
  // Stops accepting, closes every connection (streams see on_close), joins the threads.
  void stop();

  struct Impl;  // internal; public only so the connection classes can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace k3s::http
