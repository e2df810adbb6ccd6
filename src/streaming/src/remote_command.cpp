#include "streaming/remote_command.h"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include <nlohmann/json.hpp>

#include "channel_socket.h"
#include "spdy_connection.h"

namespace k3s::streaming {

namespace {

const char* const kChannelV4 = "v4.channel.k8s.io";

enum class Kind { out, err, error };

struct Piece {
  Kind kind;
  std::string data;
};

// What a remote command needs from its transport, SPDY streams or websocket channels.
class CommandTransport {
 public:
  virtual ~CommandTransport() = default;
  // Thread-safe.
  virtual bool send_stdin(std::string_view data) = 0;
  virtual void close_stdin() = 0;
  virtual void resize(const std::string& json) = 0;
  // One reader: the next output; nullopt once everything the command sends has arrived.
  virtual std::optional<Piece> receive() = 0;
  virtual void close() = 0;
};

// channel.k8s.io v4 over a websocket: one byte in front of each message names its channel.
class WebSocketTransport final : public CommandTransport {
 public:
  explicit WebSocketTransport(const Upgrader& upgrade) : socket_(upgrade, {kChannelV4}) {}
  bool send_stdin(std::string_view data) override { return socket_.send(kStdin, data); }
  void close_stdin() override {}  // v4 has no way to say so
  void resize(const std::string& json) override { socket_.send(kResize, json); }
  std::optional<Piece> receive() override {
    while (auto message = socket_.receive()) {
      switch (message->channel) {
        case kStdout: return Piece{Kind::out, std::move(message->data)};
        case kStderr: return Piece{Kind::err, std::move(message->data)};
        case kError: return Piece{Kind::error, std::move(message->data)};
        default: break;
      }
    }
    return std::nullopt;
  }
  void close() override { socket_.close(); }

 private:
  static constexpr unsigned kStdin = 0, kStdout = 1, kStderr = 2, kError = 3, kResize = 4;
  detail::ChannelSocket socket_;
};

// v4 over SPDY: a stream per kind, named by its streamtype header. The command is over
// once the error stream and every output stream ended.
class SpdyTransport final : public CommandTransport {
 public:
  SpdyTransport(const Upgrader& upgrade, const StreamSet& set) : connection_(upgrade, kChannelV4) {
    // The error stream first, as kubectl does; the server waits for the whole set.
    error_ = open("error");
    if (set.in) stdin_ = open("stdin");
    if (set.out) stdout_ = open("stdout");
    if (set.err && !set.tty) stderr_ = open("stderr");
    if (set.tty) resize_ = open("resize");
    open_outputs_ = 1 + (stdout_ ? 1 : 0) + (stderr_ ? 1 : 0);
  }
  bool send_stdin(std::string_view data) override { return stdin_ && connection_.send(stdin_, data); }
  void close_stdin() override {
    if (stdin_ && !stdin_closed_.exchange(true)) connection_.finish(stdin_);
  }
  void resize(const std::string& json) override {
    if (resize_) connection_.send(resize_, json);
  }
  std::optional<Piece> receive() override {
    while (open_outputs_ > 0) {
      auto event = connection_.receive();
      if (!event) return std::nullopt;
      Kind kind;
      if (event->stream == stdout_) kind = Kind::out;
      else if (event->stream == stderr_) kind = Kind::err;
      else if (event->stream == error_) kind = Kind::error;
      else continue;
      if (event->end) --open_outputs_;
      if (!event->data.empty()) return Piece{kind, std::move(event->data)};
    }
    return std::nullopt;
  }
  void close() override { connection_.close(); }

 private:
  std::uint32_t open(const char* type) {
    std::uint32_t id = connection_.open_stream({{"streamtype", type}});
    if (id == 0) throw StreamError(std::string("unable to create the ") + type + " stream: the connection ended");
    return id;
  }

  detail::SpdyConnection connection_;
  std::uint32_t error_ = 0, stdin_ = 0, stdout_ = 0, stderr_ = 0, resize_ = 0;
  int open_outputs_ = 0;
  std::atomic<bool> stdin_closed_{false};
};

// Copies a descriptor to the command's stdin until EOF (then closes it there) or until
// stop() (the command ended while the local side still had input to give, or none at all).
class StdinPump {
 public:
  StdinPump(int fd, CommandTransport& transport) : fd_(fd), transport_(transport) {
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
      if (n == 0) transport_.close_stdin();
      if (n <= 0) return;
      if (!transport_.send_stdin(std::string_view(buffer, static_cast<std::size_t>(n)))) return;
    }
  }

  int fd_;
  CommandTransport& transport_;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stopped_{false};
  std::thread thread_;
};

std::unique_ptr<CommandTransport> connect(const Upgrader& upgrade, const StreamSet& set) {
  try {
    return std::make_unique<SpdyTransport>(upgrade, set);
  } catch (const detail::UpgradeRefused&) {
    return std::make_unique<WebSocketTransport>(upgrade);
  }
}

}  // namespace

struct RemoteCommand::Impl {
  std::unique_ptr<CommandTransport> transport;
};

RemoteCommand::RemoteCommand(const Upgrader& upgrade, const StreamSet& set)
    : impl_(std::make_unique<Impl>(Impl{connect(upgrade, set)})) {}
RemoteCommand::~RemoteCommand() { impl_->transport->close(); }

void RemoteCommand::resize(TerminalSize size) {
  nlohmann::json message{{"Width", size.width}, {"Height", size.height}};
  impl_->transport->resize(message.dump());
}

int RemoteCommand::run(const RemoteCommandStreams& streams) {
  std::unique_ptr<StdinPump> pump;
  if (streams.stdin_fd >= 0) pump = std::make_unique<StdinPump>(streams.stdin_fd, *impl_->transport);
  std::string status;
  while (auto piece = impl_->transport->receive()) {
    switch (piece->kind) {
      case Kind::out:
        if (streams.out) streams.out(piece->data);
        break;
      case Kind::err:
        if (streams.err) streams.err(piece->data);
        break;
      case Kind::error:
        status += piece->data;
        break;
    }
  }
  if (pump) pump->stop();
  impl_->transport->close();
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
