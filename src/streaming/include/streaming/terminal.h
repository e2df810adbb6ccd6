// The local terminal of a stream with a tty (exec -t, attach -t): raw mode for the
// command's lifetime, and its size now and whenever it changes.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "streaming/remote_command.h"

namespace k3s::streaming {

// Whether fd is a terminal we can put in raw mode.
bool is_terminal(int fd);
std::optional<TerminalSize> terminal_size(int fd);

// Puts fd in raw mode until destroyed; calls on_resize (from a thread of its own) with the
// terminal's size at once and whenever it changes.
class RawTerminal {
 public:
  RawTerminal(int fd, std::function<void(TerminalSize)> on_resize);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace k3s::streaming
