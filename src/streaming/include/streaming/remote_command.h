// Running a command in a container (exec) or joining its main process (attach) through
// Kubernetes' remote command protocol v4.channel.k8s.io: the API server's
// pods/<name>/exec|attach, a kubelet's /exec, or a runtime's streaming URL all speak it.
// It travels over SPDY/3.1 (streams that can be half-closed, so the end of stdin reaches
// the command), or over a websocket when the far side refuses SPDY.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "http/client.h"

namespace k3s::streaming {

// Sends the protocol switch request (GET of the streaming URL) with these extra headers and
// returns the answer; throws on a transport failure or a refusal the caller reports itself.
// A refusal of the SPDY attempt should come back as an answer (status != 101): then the
// websocket attempt follows, as with kubectl, whose second attempt's refusal is the error.
using Upgrader = std::function<http::UpgradeResponse(const http::Headers&)>;

// Whether an upgrade request is the SPDY attempt.
bool is_spdy_upgrade(const http::Headers& request);

// The stream could not be set up, or the far side reported a failure that is not a command's
// exit code ("container not found", ...).
class StreamError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TerminalSize {
  std::uint16_t width = 0;
  std::uint16_t height = 0;
};

using Sink = std::function<void(std::string_view)>;

// The streams the request asked for (its stdin/stdout/stderr/tty parameters): the SPDY
// transport opens exactly these, as the far side waits for them.
struct StreamSet {
  bool in = false;
  bool out = true;
  bool err = true;
  bool tty = false;
};

struct RemoteCommandStreams {
  int stdin_fd = -1;  // read until EOF and sent to the command; -1: no stdin
  Sink out;           // the command's stdout; null when not requested
  Sink err;           // its stderr; null when not requested (always with a tty)
};

class RemoteCommand {
 public:
  // Opens the stream; `set` must match what the request asked for.
  RemoteCommand(const Upgrader& upgrade, const StreamSet& set);
  ~RemoteCommand();
  RemoteCommand(const RemoteCommand&) = delete;
  RemoteCommand& operator=(const RemoteCommand&) = delete;

  // Thread-safe: tells a tty its new size.
  void resize(TerminalSize size);
  // Copies stdin to the command and its output to the sinks until the command ends; returns
  // its exit code. Throws StreamError for a failure that is not an exit code. Call once.
  // The end of the local stdin closes the command's stdin over SPDY; the websocket
  // fallback (v4) cannot signal it, so there a command waiting for it keeps running.
  int run(const RemoteCommandStreams& streams);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The exit code a v4 error-channel Status carries: 0 for Success, the ExitCode cause for
// NonZeroExitCode; throws StreamError with the Status message for any other failure.
int exit_code_of_status(std::string_view status_json);

}  // namespace k3s::streaming
