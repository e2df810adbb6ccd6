// The k3s supervisor endpoints served on the API listener: /cacerts, /ping and the
// basic-auth protected /v1-k3s/* paths agents and joining servers use.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "http/message.h"

namespace k3s::server {

struct SupervisorOptions {
  std::string server_ca_file;
  std::string server_password;  // `server:<pw>`
  std::string agent_password;   // `node:<pw>`
  std::function<bool()> api_ready;
};

class Supervisor {
 public:
  explicit Supervisor(SupervisorOptions options) : options_(std::move(options)) {}
  // The response when `request` is a supervisor path, nullopt otherwise.
  std::optional<http::Response> handle(const http::Request& request) const;

 private:
  bool basic_auth_ok(const http::Request& request) const;
  SupervisorOptions options_;
};

}  // namespace k3s::server
