// Raw byte connections beside HTTP: a blocking TCP dial, adopting a socket descriptor, and
// splicing two connections together (proxies of upgraded streams, tunnel endpoints).
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "http/message.h"

namespace k3s::http {

class DialError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Connects over TCP (host name or IP literal, IPv6 without brackets); throws DialError.
std::unique_ptr<Connection> dial_tcp(const std::string& host, const std::string& port,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Takes ownership of a connected stream socket descriptor.
std::unique_ptr<Connection> adopt_socket(int fd);

// Copies bytes both ways until either side ends or breaks, then closes both. Blocks; the
// second direction runs on a thread of its own.
void splice(Connection& a, Connection& b);

}  // namespace k3s::http
