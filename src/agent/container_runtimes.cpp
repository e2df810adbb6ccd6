#include <sys/stat.h>

#include <fstream>
#include <stdexcept>
#include <cctype>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "agent/containerd.h"

namespace k3s::agent {
namespace {

struct Candidate {
  const char* handler;
  const char* runtime_type;
  const char* binary;
};

struct Family {
  std::vector<const char*> directories;  // searched in order, the first hit wins
  std::vector<Candidate> candidates;
};

// Where k3s looks for each family: package-manager and manual installs; the GPU operator's
// and the kwasm operator's directories first, because their installs are meant to override
// the distribution's.
const std::vector<Family>& families() {
  static const std::vector<Family> all = {
      {{"/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"},
       {{"crun", "io.containerd.runc.v2", "crun"}}},
      {{"/usr/local/nvidia/toolkit", "/usr/bin"},
       {{"nvidia", "io.containerd.runc.v2", "nvidia-container-runtime"},
        {"nvidia-experimental", "io.containerd.runc.v2", "nvidia-container-runtime-experimental"}}},
      {{"/opt/kwasm/bin", "/usr/bin", "/usr/sbin"},
       {{"lunatic", "io.containerd.lunatic.v2", "containerd-shim-lunatic-v1"},
        {"slight", "io.containerd.slight.v2", "containerd-shim-slight-v1"},
        {"spin", "io.containerd.spin.v2", "containerd-shim-spin-v1"},
        {"wws", "io.containerd.wws.v2", "containerd-shim-wws-v1"},
        {"wasmedge", "io.containerd.wasmedge.v2", "containerd-shim-wasmedge-v1"},
        {"wasmer", "io.containerd.wasmer.v2", "containerd-shim-wasmer-v1"},
        {"wasmtime", "io.containerd.wasmtime.v2", "containerd-shim-wasmtime-v1"}}},
  };
  return all;
}

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
}

}  // namespace

std::map<std::string, ContainerRuntime> find_container_runtimes(const std::string& root) {
  std::string prefix = root;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  std::map<std::string, ContainerRuntime> found;
  for (const auto& family : families()) {
    for (const auto& candidate : family.candidates) {
      for (const char* directory : family.directories) {
        const std::string binary = std::string(directory) + "/" + candidate.binary;
        if (!is_regular_file(prefix + binary)) continue;
        spdlog::info("Found {} container runtime at {}", candidate.handler, binary);
        found[candidate.handler] = {candidate.runtime_type, binary};
        break;
      }
    }
  }
  return found;
}

std::string runtime_host_problem(const std::string& handler, const std::string& root) {
  if (handler != "crun") return "";
  std::string prefix = root;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  // Only a hybrid host mounts cgroup v2 there, beside the v1 controller hierarchies.
  std::ifstream unified(prefix + "/sys/fs/cgroup/unified/cgroup.controllers");
  std::string controllers;
  if (!unified || !std::getline(unified, controllers)) return "";
  while (!controllers.empty() && std::isspace(static_cast<unsigned char>(controllers.back()))) controllers.pop_back();
  if (controllers.empty()) return "";
  return "crun does not support cgroup hybrid mode while the v2 hierarchy has controllers (" + controllers +
         " in /sys/fs/cgroup/unified); boot with cgroup v2 only, or mount those controllers as v1 hierarchies";
}

void check_default_runtime(const ContainerdOptions& options) {
  const std::string& wanted = options.default_runtime;
  if (wanted.empty() || wanted == "runc" || options.runtimes.count(wanted)) return;
  std::string available = "runc";
  for (const auto& [handler, runtime] : options.runtimes) available += ", " + handler;
  throw std::invalid_argument("--default-runtime " + wanted + ": no such container runtime on this node (available: " +
                              available + ")");
}

void check_runtimes_usable(const ContainerdOptions& options, const std::string& root) {
  for (const auto& [handler, runtime] : options.runtimes) {
    const std::string problem = runtime_host_problem(handler, root);
    if (problem.empty()) continue;
    if (handler == options.default_runtime) throw std::invalid_argument("--default-runtime " + handler + ": " + problem);
    spdlog::warn("agent: pods of RuntimeClass {} will not start on this host: {}", handler, problem);
  }
}

}  // namespace k3s::agent
