// HTTPS/HTTP client on Boost.Beast: synchronous requests with keep-alive connection reuse,
// and streaming reads (watch) that deliver the body as it arrives.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "http/message.h"

namespace k3s::http {

class ClientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Opens the byte stream to host:port in place of a TCP connection (e.g. through the agent
// tunnel); TLS and HTTP then run over it as usual. Throwing reports a connection failure.
using Dialer = std::function<std::unique_ptr<Connection>(const std::string& host, const std::string& port)>;

struct ClientOptions {
  std::string ca_file;        // verifies the server; empty = system default paths
  std::string ca_pem;         // alternative to ca_file: PEM text
  std::string cert_file, key_file;  // client certificate
  std::string cert_pem, key_pem;    // alternative: PEM text
  bool insecure_skip_verify = false;
  std::chrono::milliseconds timeout{60000};  // per request (connect + exchange)
  Dialer dialer;  // optional
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// The answer to a protocol-switch request: with status 101 `connection` carries the new
// protocol's bytes; otherwise it is null and `body` holds the refusal.
struct UpgradeResponse {
  int status = 0;
  Headers headers;
  std::string body;
  std::unique_ptr<Connection> connection;
};

// One streaming response: read() returns the next piece of body as it arrives.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual int status() const = 0;
  virtual const Headers& headers() const = 0;
  // Blocks until data arrives; returns std::nullopt at the end of the body, after cancel()
  // or when the connection fails.
  virtual std::optional<std::string> read() = 0;
  // Thread-safe: makes a blocked read() return std::nullopt.
  virtual void cancel() = 0;
};

class Client {
 public:
  // base_url: "https://host:port" or "http://host:port" (a path prefix is kept).
  Client(std::string base_url, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // path_and_query is appended to base_url. Throws ClientError on connection/TLS failure.
  ClientResponse request(const std::string& method, const std::string& path_and_query,
                         const Headers& headers = {}, const std::string& body = {});
  // Opens a dedicated connection and returns once the response headers arrived. No timeout
  // applies to reading the body.
  std::unique_ptr<ResponseStream> stream(const std::string& method, const std::string& path_and_query,
                                         const Headers& headers = {}, const std::string& body = {});
  // Sends a request asking for a protocol switch on a dedicated connection (the caller sets
  // the Upgrade/Connection headers). The timeout covers getting the response head only.
  UpgradeResponse upgrade(const std::string& method, const std::string& path_and_query,
                          const Headers& headers = {}, const std::string& body = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace k3s::http
