// `k3s check-config`: what a node needs from the kernel and the host, in the spirit of
// k3s's check-config script: each item on one line as enabled/missing, optional items as
// warnings, and "STATUS: pass" or the number of failures (exit 1).
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "ops/ops.h"

namespace fs = std::filesystem;

namespace k3s::ops {

namespace {

struct Report {
  int failures = 0;
  int warnings = 0;
  void ok(const std::string& item, const std::string& state = "enabled") { std::cout << "- " << item << ": " << state << "\n"; }
  void fail(const std::string& item, const std::string& state = "missing") {
    std::cout << "- " << item << ": " << state << " (fail)\n";
    ++failures;
  }
  void warn(const std::string& item, const std::string& state = "missing") {
    std::cout << "- " << item << ": " << state << " (warning)\n";
    ++warnings;
  }
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string read_gzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) return {};
  std::string out;
  char buffer[65536];
  int n;
  while ((n = gzread(file, buffer, sizeof(buffer))) > 0) out.append(buffer, static_cast<std::size_t>(n));
  gzclose(file);
  return out;
}

// CONFIG_X -> "y" | "m"; where it came from in `source`.
std::map<std::string, std::string> load_kernel_config(std::string& source) {
  utsname u{};
  uname(&u);
  std::string text;
  for (const std::string& candidate : {std::string("/proc/config.gz"), "/boot/config-" + std::string(u.release),
                                       "/usr/src/linux-" + std::string(u.release) + "/.config",
                                       "/lib/modules/" + std::string(u.release) + "/build/.config"}) {
    if (!fs::exists(candidate)) continue;
    text = candidate.ends_with(".gz") ? read_gzip(candidate) : read_text(candidate);
    if (!text.empty()) {
      source = candidate;
      break;
    }
  }
  std::map<std::string, std::string> config;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const auto eq = line.find('=');
    if (line.starts_with("CONFIG_") && eq != std::string::npos) config[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return config;
}

bool module_loaded_or_builtin(const std::string& module) {
  if (fs::exists("/sys/module/" + module)) return true;
  utsname u{};
  uname(&u);
  const std::string builtin = read_text("/lib/modules/" + std::string(u.release) + "/modules.builtin");
  return builtin.find("/" + module + ".ko") != std::string::npos;
}

std::string find_binary(const std::string& name, const std::vector<std::string>& extra_dirs = {}) {
  std::vector<std::string> dirs = extra_dirs;
  const char* path = getenv("PATH");
  std::stringstream s(path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  for (std::string dir; std::getline(s, dir, ':');) dirs.push_back(dir);
  for (const auto& dir : dirs) {
    const std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

std::string command_output(const std::string& command) {
  std::string out;
  if (FILE* pipe = popen((command + " 2>&1").c_str(), "r")) {
    char buffer[512];
    while (fgets(buffer, sizeof(buffer), pipe)) out += buffer;
    pclose(pipe);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

void check_config_options(Report& report, const std::map<std::string, std::string>& config,
                          const std::vector<std::string>& options, bool required) {
  for (const auto& option : options) {
    // A few options were renamed across kernel versions; either spelling will do.
    std::vector<std::string> names;
    std::stringstream alternatives(option);
    for (std::string name; std::getline(alternatives, name, '|');) names.push_back("CONFIG_" + name);
    std::string state;
    for (const auto& name : names) {
      auto it = config.find(name);
      if (it != config.end() && (it->second == "y" || it->second == "m")) {
        state = it->second == "y" ? "enabled" : "enabled (as module)";
        break;
      }
    }
    const std::string label = names.front();
    if (!state.empty())
      report.ok(label, state);
    else if (required)
      report.fail(label);
    else
      report.warn(label);
  }
}

void check_cgroups(Report& report) {
  if (fs::exists("/sys/fs/cgroup/cgroup.controllers")) {
    const std::string controllers = read_text("/sys/fs/cgroup/cgroup.controllers");
    std::set<std::string> have;
    std::istringstream words(controllers);
    for (std::string w; words >> w;) have.insert(w);
    std::string missing;
    for (const char* c : {"cpu", "cpuset", "memory", "pids"})
      if (!have.count(c)) missing += std::string(missing.empty() ? "" : ",") + c;
    if (missing.empty())
      report.ok("cgroup hierarchy", "cgroups V2 mounted, cpu|cpuset|memory|pids controllers status: good");
    else
      report.fail("cgroup hierarchy", "cgroups V2 mounted, controllers missing: " + missing);
    return;
  }
  // v1: /proc/cgroups lists "subsys hierarchy num_cgroups enabled".
  std::istringstream lines(read_text("/proc/cgroups"));
  std::set<std::string> enabled;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("#")) continue;
    std::istringstream f(line);
    std::string name, hierarchy, count, on;
    if (f >> name >> hierarchy >> count >> on && on == "1") enabled.insert(name);
  }
  std::string missing;
  for (const char* c : {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "pids"})
    if (!enabled.count(c)) missing += std::string(missing.empty() ? "" : ",") + c;
  if (missing.empty())
    report.ok("cgroup hierarchy", "cgroups V1 mounted, cpu|cpuacct|cpuset|memory|devices|freezer|pids status: good");
  else
    report.fail("cgroup hierarchy", "cgroups V1 mounted, controllers missing: " + missing);
}

void check_system(Report& report) {
  std::cout << "System:\n";
  const std::string iptables = find_binary("iptables");
  if (iptables.empty())
    report.fail("iptables", "not found");
  else
    report.ok(iptables, command_output(iptables + " --version") + ": ok");
  const std::string swaps = read_text("/proc/swaps");
  if (std::count(swaps.begin(), swaps.end(), '\n') > 1)
    report.warn("swap", "should be disabled");
  else
    report.ok("swap", "disabled");
  if (read_text("/proc/sys/net/ipv4/ip_forward").starts_with("1"))
    report.ok("net.ipv4.ip_forward", "1");
  else
    report.warn("net.ipv4.ip_forward", "0 (k3s enables it at start)");
  if (fs::exists("/proc/sys/net/bridge/bridge-nf-call-iptables"))
    report.ok("br_netfilter", "loaded");
  else
    report.warn("br_netfilter", "not loaded (k3s loads it at start: modprobe br_netfilter)");
  std::cout << "\n";
}

void check_runtime(Report& report) {
  std::cout << "Container runtime:\n";
  for (const char* binary : {"containerd", "containerd-shim-runc-v2", "runc"}) {
    const std::string found = find_binary(binary);
    if (found.empty())
      report.fail(binary, "not found in PATH");
    else
      report.ok(binary, found);
  }
  for (const char* plugin : {"bridge", "host-local", "loopback", "portmap"}) {
    const std::string found = find_binary(plugin, {"/usr/lib/cni", "/opt/cni/bin"});
    if (found.empty())
      report.fail(std::string("CNI plugin ") + plugin, "not found in /usr/lib/cni or /opt/cni/bin");
    else
      report.ok(std::string("CNI plugin ") + plugin, found);
  }
  std::cout << "\n";
}

}  // namespace

int run_check_config(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << "NAME:\n   k3s check-config - Run config check\n\nUSAGE:\n   k3s check-config [OPTIONS]\n";
      return 0;
    }
    throw cli::UsageError("flag provided but not defined: " + a);
  }
  Report report;
  check_system(report);
  check_runtime(report);

  std::string source;
  const auto config = load_kernel_config(source);
  if (config.empty()) {
    std::cout << "warning: no kernel config found (/proc/config.gz, /boot/config-$(uname -r)); "
                 "checking loaded modules instead\n\n";
    std::cout << "Generally Necessary:\n";
    check_cgroups(report);
    for (const char* ns : {"net", "pid", "ipc", "uts", "mnt"}) {
      if (fs::exists(std::string("/proc/self/ns/") + ns))
        report.ok(std::string(ns) + " namespace");
      else
        report.fail(std::string(ns) + " namespace");
    }
    for (const char* module : {"overlay", "bridge", "br_netfilter", "veth", "nf_nat", "nf_conntrack", "xt_conntrack"}) {
      if (module_loaded_or_builtin(module))
        report.ok(std::string("module ") + module, "loaded");
      else
        report.warn(std::string("module ") + module, "not loaded");
    }
  } else {
    std::cout << "info: reading kernel config from " << source << " ...\n\nGenerally Necessary:\n";
    check_cgroups(report);
    check_config_options(report, config,
                         {"NAMESPACES", "NET_NS", "PID_NS", "IPC_NS", "UTS_NS", "CGROUPS", "CGROUP_CPUACCT",
                          "CGROUP_DEVICE", "CGROUP_FREEZER", "CGROUP_SCHED", "CPUSETS", "MEMCG", "KEYS", "VETH",
                          "BRIDGE", "BRIDGE_NETFILTER", "IP_NF_FILTER", "IP_NF_TARGET_MASQUERADE",
                          "NETFILTER_XT_MATCH_ADDRTYPE", "NETFILTER_XT_MATCH_CONNTRACK", "NETFILTER_XT_MATCH_IPVS",
                          "NETFILTER_XT_MARK", "IP_NF_NAT", "NF_NAT", "POSIX_MQUEUE", "OVERLAY_FS"},
                         true);
    std::cout << "\nOptional Features:\n";
    check_config_options(report, config,
                         {"USER_NS", "SECCOMP", "BLK_CGROUP", "BLK_DEV_THROTTLING", "CGROUP_PERF", "CGROUP_HUGETLB",
                          "NET_CLS_CGROUP", "CGROUP_NET_PRIO", "CFS_BANDWIDTH", "FAIR_GROUP_SCHED", "RT_GROUP_SCHED",
                          "IP_NF_TARGET_REDIRECT", "IP_SET", "IP_VS", "IP_VS_NFCT", "IP_VS_PROTO_TCP",
                          "IP_VS_PROTO_UDP", "IP_VS_RR", "EXT4_FS", "EXT4_FS_POSIX_ACL", "EXT4_FS_SECURITY"},
                         false);
    std::cout << "\nNetwork Drivers:\n";
    check_config_options(report, config, {"VXLAN", "CRYPTO_GCM|CRYPTO", "WIREGUARD"}, false);
  }
  std::cout << "\n";
  if (report.failures == 0) {
    std::cout << "STATUS: pass" << (report.warnings ? " (" + std::to_string(report.warnings) + " warnings)" : "")
              << "\n";
    return 0;
  }
  std::cout << "STATUS: " << report.failures << " (fail)\n";
  return 1;
}

}  // namespace k3s::ops
