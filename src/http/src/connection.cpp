#include "http/connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

namespace k3s::http {

namespace {

class SocketConnection : public Connection {
 public:
  explicit SocketConnection(int fd) : fd_(fd) {}
  ~SocketConnection() override {
    close();
    ::close(fd_);
  }

  std::string read_some() override {
    if (closed_) return {};
    std::string buffer(16384, '\0');
    for (;;) {
      ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n > 0) {
        buffer.resize(static_cast<std::size_t>(n));
        return buffer;
      }
      if (n < 0 && errno == EINTR) continue;
      return {};
    }
  }

  bool write(std::string_view data) override {
    std::lock_guard lock(write_mu_);
    while (!data.empty()) {
      if (closed_ || write_closed_) return false;
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  void close_write() override {
    std::lock_guard lock(write_mu_);
    if (write_closed_.exchange(true)) return;
    ::shutdown(fd_, SHUT_WR);
  }

  // shutdown() rather than close() wakes a blocked recv without letting the descriptor be
  // reused while another thread still names it.
  void close() override {
    if (closed_.exchange(true)) return;
    ::shutdown(fd_, SHUT_RDWR);
  }

 private:
  int fd_;
  std::mutex write_mu_;
  std::atomic<bool> closed_{false};
  std::atomic<bool> write_closed_{false};
};

int connect_with_timeout(const addrinfo* ai, std::chrono::milliseconds timeout, std::string& error) {
  int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
  if (rc < 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc == 0) {
      error = "connection timed out";
      ::close(fd);
      return -1;
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (rc < 0 || so_error != 0) {
      error = std::strerror(rc < 0 ? errno : so_error);
      ::close(fd);
      return -1;
    }
  } else if (rc < 0) {
    error = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

}  // namespace

std::unique_ptr<Connection> dial_tcp(const std::string& host, const std::string& port,
                                     std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) throw DialError("cannot resolve " + host + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  std::string error = "no addresses";
  for (const addrinfo* ai = found; ai; ai = ai->ai_next) {
    int fd = connect_with_timeout(ai, timeout, error);
    if (fd >= 0) return adopt_socket(fd);
  }
  throw DialError("dial tcp " + host + ":" + port + ": " + error);
}

std::unique_ptr<Connection> adopt_socket(int fd) { return std::make_unique<SocketConnection>(fd); }

namespace {

void copy_until_end(Connection& from, Connection& to) {
  for (;;) {
    std::string data = from.read_some();
    if (data.empty() || !to.write(data)) return;
  }
}

}  // namespace

void splice(Connection& a, Connection& b) {
  // The first direction to end closes both, which wakes the other one's blocked read.
  std::thread backward([&] {
    copy_until_end(b, a);
    a.close();
    b.close();
  });
  copy_until_end(a, b);
  a.close();
  b.close();
  backward.join();
}

}  // namespace k3s::http
