#include "util/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace k3s::util {

std::string take_notify_socket() {
  const char* value = std::getenv("NOTIFY_SOCKET");
  std::string socket = value ? value : "";
  ::unsetenv("NOTIFY_SOCKET");
  return socket;
}

bool sd_notify(const std::string& socket, const std::string& state) {
  if (socket.empty()) return false;
  const char* path = socket.c_str();
  const std::size_t length = socket.size();
  sockaddr_un address{};
  if (length >= sizeof(address.sun_path)) return false;
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path, length);
  if (path[0] == '@') address.sun_path[0] = '\0';  // abstract namespace
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const auto address_size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address), address_size);
  ::close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

}  // namespace k3s::util
