// Port forwarding to a pod (pods/<name>/portforward, runtime streaming URLs): per forwarded
// connection a data stream and an error stream. Over SPDY (portforward.k8s.io) the client
// opens both, naming the port and a request id, and half-closes the data stream when the
// local side stops sending; over the websocket fallback (v4 channels) the server opens them
// with the port number as two little-endian bytes, and there is no half-close.
#pragma once

#include <cstdint>
#include <string>

#include "http/connection.h"
#include "streaming/remote_command.h"

namespace k3s::streaming {

// Carries one local connection to `port` in the pod over a stream connection of its own (the
// upgrade request's URL must name that port: ?ports=<port>). Returns when both directions
// ended; returns the error the far side reported (empty when none). Throws StreamError when
// the stream cannot be opened.
std::string forward_connection(const Upgrader& upgrade, std::uint16_t port, http::Connection& local);

}  // namespace k3s::streaming
