// Port forwarding to a pod over a websocket (the v4 channel protocol of pods/<name>/portforward
// and of runtime streaming URLs): per forwarded port a data channel and an error channel,
// each opened by the server with the port number as two little-endian bytes.
#pragma once

#include <cstdint>
#include <string>

#include "http/connection.h"
#include "streaming/remote_command.h"

namespace k3s::streaming {

// Carries one local connection to `port` in the pod over a websocket of its own (the
// upgrade request's URL must name that port: ?ports=<port>). Returns when both directions
// ended; returns the error the far side reported (empty when none). Throws StreamError when
// the stream cannot be opened.
std::string forward_connection(const Upgrader& upgrade, std::uint16_t port, http::Connection& local);

}  // namespace k3s::streaming
