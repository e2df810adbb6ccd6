#include "streaming/remote_command.h"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include <nlohmann/json.hpp>

#include "channel_socket.h"

namespace k3s::streaming {

namespace {

constexpr unsigned kStdin = 0, kStdout = 1, kStderr = 2, kError = 3, kResize = 4;
const char* const kChannelV4 = "v4.channel.k8s.io";

// Copies a descriptor to the stdin channel until EOF or until stop() (the command ended
// while the local side still had input to give, or none at all).
class StdinPump {
 public:
  StdinPump(int fd, detail::ChannelSocket& socket) : fd_(fd), socket_(socket) {
    if (::pipe(wake_) != 0) wake_[0] = wake_[1] = -1;
    thread_ = std::thread([this] { run(); });
  }
  ~StdinPump() {
    stop();
    if (wake_[0] >= 0) ::close(wake_[0]);
    if (wake_[1] >= 0) ::close(wake_[1]);
  }
  void stop() {
    if (stopped_.exchange(true)) return;
    if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    char buffer[32 * 1024];
    for (;;) {
      pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      int ready = ::poll(fds, wake_[0] >= 0 ? 2 : 1, -1);
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0 || (fds[1].revents & POLLIN)) return;
      ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) return;
      if (!socket_.send(kStdin, std::string_view(buffer, static_cast<std::size_t>(n)))) return;
    }
  }

  int fd_;
  detail::ChannelSocket& socket_;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stopped_{false};
  std::thread thread_;
};

}  // namespace

struct RemoteCommand::Impl {
  explicit Impl(const Upgrader& upgrade) : socket(upgrade, {kChannelV4}) {}
  detail::ChannelSocket socket;
};

RemoteCommand::RemoteCommand(const Upgrader& upgrade) : impl_(std::make_unique<Impl>(upgrade)) {}
RemoteCommand::~RemoteCommand() { impl_->socket.close(); }

void RemoteCommand::resize(TerminalSize size) {
  nlohmann::json message{{"Width", size.width}, {"Height", size.height}};
  impl_->socket.send(kResize, message.dump());
}

int RemoteCommand::run(const RemoteCommandStreams& streams) {
  std::unique_ptr<StdinPump> pump;
  if (streams.stdin_fd >= 0) pump = std::make_unique<StdinPump>(streams.stdin_fd, impl_->socket);
  std::string status;
  while (auto message = impl_->socket.receive()) {
    switch (message->channel) {
      case kStdout:
        if (streams.out) streams.out(message->data);
        break;
      case kStderr:
        if (streams.err) streams.err(message->data);
        break;
      case kError:
        status += message->data;
        break;
      default:
        break;
    }
  }
  if (pump) pump->stop();
  impl_->socket.close();
  // The stream ended without a Status: the far side went away before the command finished.
  if (status.empty()) throw StreamError("error reading from error stream: the connection ended before the command did");
  return exit_code_of_status(status);
}

int exit_code_of_status(std::string_view status_json) {
  auto status = nlohmann::json::parse(status_json, nullptr, false);
  if (!status.is_object()) throw StreamError("error stream protocol error: unparseable status " + std::string(status_json));
  if (status.value("status", "") == "Success") return 0;
  if (status.value("reason", "") == "NonZeroExitCode") {
    auto details = status.value("details", nlohmann::json::object());
    for (const auto& cause : details.value("causes", nlohmann::json::array())) {
      if (cause.value("reason", "") != "ExitCode") continue;
      try {
        return std::stoi(cause.value("message", ""));
      } catch (...) {
        throw StreamError("error stream protocol error: invalid exit code value " + cause.value("message", ""));
      }
    }
    throw StreamError("error stream protocol error: no exit code in " + std::string(status_json));
  }
  throw StreamError(status.value("message", std::string(status_json)));
}

}  // namespace k3s::streaming
