#include "streaming/terminal.h"

#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace k3s::streaming {

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

std::optional<TerminalSize> terminal_size(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) return std::nullopt;
  return TerminalSize{ws.ws_col, ws.ws_row};
}

struct RawTerminal::Impl {
  int fd = -1;
  termios saved{};
  bool restored = true;
  std::atomic<bool> stopping{false};
  std::thread watcher;
};

RawTerminal::RawTerminal(int fd, std::function<void(TerminalSize)> on_resize)
    : impl_(std::make_unique<Impl>()) {
  impl_->fd = fd;
  if (::tcgetattr(fd, &impl_->saved) == 0) {
    termios raw = impl_->saved;
    ::cfmakeraw(&raw);
    if (::tcsetattr(fd, TCSANOW, &raw) == 0) impl_->restored = false;
  }
  // The size is polled: SIGWINCH goes to whichever thread does not block it, and threads of
  // the HTTP client exist before this one.
  impl_->watcher = std::thread([impl = impl_.get(), on_resize] {
    std::optional<TerminalSize> last;
    while (!impl->stopping) {
      auto size = terminal_size(impl->fd);
      if (size && (!last || size->width != last->width || size->height != last->height)) {
        on_resize(*size);
        last = size;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  });
}

RawTerminal::~RawTerminal() {
  impl_->stopping = true;
  if (impl_->watcher.joinable()) impl_->watcher.join();
  if (!impl_->restored) ::tcsetattr(impl_->fd, TCSANOW, &impl_->saved);
}

}  // namespace k3s::streaming
