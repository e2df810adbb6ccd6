#include "pod_masquerade.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "child_process.h"

namespace k3s::agent {
namespace {

// "a.b.c.d/n" with the host bits cleared; the text goes into iptables input, so nothing else passes.
std::string canonical_ipv4_cidr(const std::string& cidr) {
  const auto slash = cidr.find('/');
  in_addr address{};
  int prefix = -1;
  if (slash != std::string::npos && inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &address) == 1) {
    const std::string bits = cidr.substr(slash + 1);
    if (!bits.empty() && bits.size() <= 2 && bits.find_first_not_of("0123456789") == std::string::npos)
      prefix = std::stoi(bits);
  }
  if (prefix < 0 || prefix > 32) throw std::invalid_argument("invalid pod CIDR \"" + cidr + "\": expected IPv4 a.b.c.d/n");
  const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  in_addr network{htonl(ntohl(address.s_addr) & mask)};
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &network, text, sizeof text);
  return std::string(text) + "/" + std::to_string(prefix);
}

// Runs iptables-family `argv` with `input` on stdin; returns its exit code and what it printed.
int run(const std::vector<std::string>& argv, const std::string& input, std::string& output) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + strerror(errno));
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    throw std::runtime_error(std::string("pipe: ") + strerror(errno));
  }
  SpawnOptions options;
  options.stdin_fd = in[0];
  options.stdout_fd = out[1];
  options.stderr_fd = out[1];
  pid_t pid;
  try {
    pid = spawn_process(argv, options);
  } catch (...) {
    for (int fd : {in[0], in[1], out[0], out[1]}) close(fd);
    throw;
  }
  close(in[0]);
  close(out[1]);
  // The rules are far smaller than a pipe buffer: writing all before reading cannot block.
  for (size_t done = 0; done < input.size();) {
    ssize_t n = write(in[1], input.data() + done, input.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  close(in[1]);
  char buffer[4096];
  for (;;) {
    ssize_t n = read(out[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  close(out[0]);
  return wait_process(pid);
}

}  // namespace

std::string render_pod_masquerade_rules(const std::string& pod_cidr) {
  const std::string cidr = canonical_ipv4_cidr(pod_cidr);
  const std::string chain = kPodMasqueradeChain;
  // With --noflush, declaring the chain empties it, so a new podCIDR replaces the old rules.
  return "*nat\n"
         ":" + chain + " - [0:0]\n"
         "-A " + chain + " ! -s " + cidr + " -j RETURN\n"
         "-A " + chain + " -d " + cidr + " -j RETURN\n"
         "-A " + chain + " -d 224.0.0.0/4 -j RETURN\n"
         "-A " + chain + " -m comment --comment \"k3s: pod traffic leaving the pod network\" -j MASQUERADE\n"
         "COMMIT\n";
}

void ensure_pod_masquerade(const std::string& pod_cidr) {
  const std::string rules = render_pod_masquerade_rules(pod_cidr);
  std::string output;
  if (run({"iptables-restore", "-w", "5", "--noflush"}, rules, output) != 0)
    throw std::runtime_error("iptables-restore: " + output);
  auto jump = [&](const char* action) {
    output.clear();
    return run({"iptables", "-w", "5", "-t", "nat", action, "POSTROUTING", "-m", "comment", "--comment",
                "k3s pod masquerade", "-j", kPodMasqueradeChain},
               "", output);
  };
  if (jump("-C") == 0) return;
  if (jump("-A") != 0) throw std::runtime_error("iptables: " + output);
}

}  // namespace k3s::agent
