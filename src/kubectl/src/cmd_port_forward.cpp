// port-forward: local listeners whose connections each reach a port of a pod (or of the pod
// behind a service or workload) over a stream of their own.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <mutex>
#include <thread>

#include "commands.h"
#include "http/connection.h"
#include "object/meta.h"
#include "pods.h"
#include "streaming/port_forward.h"
#include "util/strings.h"

namespace k3s::kubectl {
namespace {

void add_port_forward_flags(Flags& flags) {
  flags.add("address", 0, true, "localhost");
  flags.add("pod-running-timeout", 0, true, "1m0s");
}

struct PortPair {
  std::string local_text;   // as given ("" for a random port)
  std::string remote_text;  // number or port name
  std::uint16_t local = 0;
  std::uint16_t remote = 0;
};

std::uint16_t parse_local_port(const std::string& text) {
  try {
    std::size_t used = 0;
    int value = std::stoi(text, &used);
    if (used == text.size() && value >= 0 && value <= 65535) return static_cast<std::uint16_t>(value);
  } catch (...) {
  }
  throw CommandError("Error parsing local port '" + text + "': strconv.ParseUint: parsing \"" + text + "\": invalid syntax");
}

std::vector<PortPair> parse_ports(const std::vector<std::string>& specs) {
  std::vector<PortPair> out;
  for (const auto& spec : specs) {
    PortPair pair;
    auto parts = util::split(spec, ':');
    if (parts.size() > 2) throw CommandError("invalid port format '" + spec + "'");
    pair.remote_text = parts.back();
    // ":8080" asks for a random local port.
    pair.local_text = parts.size() == 2 && parts[0].empty() ? "0" : parts[0];
    if (pair.remote_text.empty()) throw CommandError("Remote port cannot be empty");
    out.push_back(pair);
  }
  return out;
}

// A remote port by number, or by the name of a container port of the pod.
std::uint16_t remote_port_in_pod(const Json& pod, const std::string& text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    int value = std::stoi(text);
    if (value < 1 || value > 65535) throw CommandError("Error parsing remote port '" + text + "': port out of range");
    return static_cast<std::uint16_t>(value);
  }
  for (const auto& c : pod.value("spec", Json::object()).value("containers", Json::array()))
    for (const auto& p : c.value("ports", Json::array()))
      if (p.value("name", "") == text) return static_cast<std::uint16_t>(p.value("containerPort", 0));
  throw CommandError("Pod '" + object::name_of(pod) + "' does not have a named port '" + text + "'");
}

// A service port (number or name) becomes the pod port its targetPort names.
std::string remote_port_via_service(const Json& service, const std::string& text) {
  for (const auto& p : service.value("spec", Json::object()).value("ports", Json::array())) {
    const bool match = p.value("name", "") == text || std::to_string(p.value("port", 0)) == text;
    if (!match) continue;
    const Json target = p.value("targetPort", Json());
    if (target.is_number()) return std::to_string(target.get<int>());
    if (target.is_string()) return target.get<std::string>();
    return std::to_string(p.value("port", 0));
  }
  throw CommandError("Service " + object::name_of(service) + " does not have a service port " + text);
}

struct Listener {
  int fd = -1;
  std::string shown;  // "127.0.0.1:8080", "[::1]:8080"
  PortPair pair;
};

// Binds address:port; returns -1 (errno set) when it cannot.
int listen_on(const std::string& address, std::uint16_t port, std::uint16_t& bound) {
  const bool v6 = address.find(':') != std::string::npos;
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (::inet_pton(AF_INET6, address.c_str(), &a->sin6_addr) != 1) { ::close(fd); errno = EINVAL; return -1; }
    length = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    if (::inet_pton(AF_INET, address.c_str(), &a->sin_addr) != 1) { ::close(fd); errno = EINVAL; return -1; }
    length = sizeof *a;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0 || ::listen(fd, 128) != 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  bound = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
  return fd;
}

int run_port_forward(Session& session) {
  const Flags& f = session.flags();
  const auto& args = f.positional();
  if (args.size() < 2)
    throw UsageError("TYPE/NAME and list of ports are required for port-forward");
  const std::string ns = session.namespace_();
  auto pairs = parse_ports(std::vector<std::string>(args.begin() + 1, args.end()));
  // A service's ports are translated to its pods' ports first.
  if (auto slash = args[0].find('/'); slash != std::string::npos) {
    auto info = session.resource(args[0].substr(0, slash));
    if (info.gvr == client::resources::kServices) {
      Json service = session.api().get(info.gvr, ns, args[0].substr(slash + 1));
      for (auto& pair : pairs) {
        const bool local_defaulted = pair.local_text == pair.remote_text;
        std::string via = remote_port_via_service(service, pair.remote_text);
        if (local_defaulted) pair.local_text = pair.remote_text;
        pair.remote_text = via;
      }
    }
  }
  Json pod = pod_for_target(session, ns, args[0]);
  const std::string phase = pod.value("status", Json::object()).value("phase", "");
  if (phase != "Running") throw CommandError("unable to forward port because pod is not running. Current status=" + phase);
  const std::string pod_name = object::name_of(pod);
  for (auto& pair : pairs) {
    pair.remote = remote_port_in_pod(pod, pair.remote_text);
    pair.local = pair.local_text == pair.remote_text ? pair.remote : parse_local_port(pair.local_text);
  }

  std::vector<std::string> addresses;
  for (const auto& a : util::split(f.str("address"), ',')) {
    if (a == "localhost") {
      addresses.push_back("127.0.0.1");
      addresses.push_back("::1");
    } else if (!a.empty()) {
      addresses.push_back(a);
    }
  }
  std::vector<Listener> listeners;
  for (auto& pair : pairs) {
    bool any = false;
    for (const auto& address : addresses) {
      std::uint16_t bound = 0;
      int fd = listen_on(address, pair.local, bound);
      if (fd < 0) {
        // localhost's IPv6 half is optional, as in kubectl.
        if (address == "::1" && f.str("address").find("localhost") != std::string::npos) continue;
        throw CommandError("Unable to listen on port " + std::to_string(pair.local) + ": Listeners failed to create with the following errors: [unable to create listener: Error listen tcp" + std::string(address.find(':') != std::string::npos ? "6" : "4") + " " + (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" + std::to_string(pair.local) + ": bind: " + std::strerror(errno) + "]");
      }
      pair.local = bound;
      any = true;
      std::string shown = address.find(':') != std::string::npos ? "[" + address + "]" : address;
      std::cout << "Forwarding from " << shown << ":" << bound << " -> " << pair.remote << "\n" << std::flush;
      listeners.push_back({fd, shown, pair});
    }
    if (!any) throw CommandError("Unable to listen on port " + std::to_string(pair.local) + ": no address to listen on");
  }

  std::mutex print_mu;
  std::vector<pollfd> fds;
  for (const auto& l : listeners) fds.push_back({l.fd, POLLIN, 0});
  for (;;) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw CommandError(std::string("poll: ") + std::strerror(errno));
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      int client_fd = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client_fd < 0) continue;
      const PortPair pair = listeners[i].pair;
      {
        std::lock_guard lock(print_mu);
        std::cout << "Handling connection for " << pair.local << "\n" << std::flush;
      }
      const std::string path = client::resource_path(client::resources::kPods, ns, pod_name, "portforward") +
                               "?ports=" + std::to_string(pair.remote);
      std::thread([&session, &print_mu, client_fd, pair, path] {
        auto local = http::adopt_socket(client_fd);
        std::string error;
        try {
          error = streaming::forward_connection(stream_upgrader(session, path), pair.remote, *local);
        } catch (const std::exception& e) {
          error = e.what();
          local->close();
        }
        if (!error.empty()) {
          std::lock_guard lock(print_mu);
          std::cerr << "an error occurred forwarding " << pair.local << " -> " << pair.remote << ": " << error << "\n";
        }
      }).detach();
    }
  }
}

}  // namespace

std::vector<CommandDef> port_forward_commands() { return {{"port-forward", add_port_forward_flags, run_port_forward}}; }

}  // namespace k3s::kubectl
