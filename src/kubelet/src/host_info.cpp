#include "host_info.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace k3s::kubelet {
namespace {

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

int64_t meminfo_kib(const std::string& key) {
  std::ifstream in("/proc/meminfo");
  std::string name;
  int64_t value = 0;
  std::string unit;
  while (in >> name >> value) {
    std::getline(in, unit);
    if (name == key + ":") return value;
  }
  return -1;
}

std::string os_pretty_name() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    std::string value = line.substr(12);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) value = value.substr(1, value.size() - 2);
    return value;
  }
  return "Linux";
}

std::string go_arch(const std::string& machine) {
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine.rfind("arm", 0) == 0) return "arm";
  if (machine == "s390x" || machine == "ppc64le" || machine == "riscv64") return machine;
  return machine;
}

}  // namespace

HostInfo read_host_info(const std::string& root_dir) {
  HostInfo info;
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) info.hostname = name;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  info.cpus = cpus > 0 ? cpus : 1;
  int64_t kib = meminfo_kib("MemTotal");
  info.memory_bytes = kib > 0 ? kib * 1024 : 0;
  uint64_t available = 0, capacity = 0, inodes_free = 0, inodes = 0;
  if (filesystem_usage(root_dir, available, capacity, inodes_free, inodes)) info.ephemeral_storage_bytes = capacity;
  info.machine_id = first_line("/etc/machine-id");
  info.system_uuid = first_line("/sys/class/dmi/id/product_uuid");
  if (info.system_uuid.empty()) info.system_uuid = info.machine_id;
  info.boot_id = first_line("/proc/sys/kernel/random/boot_id");
  struct utsname uts {};
  if (uname(&uts) == 0) {
    info.kernel_version = uts.release;
    info.architecture = go_arch(uts.machine);
  }
  info.os_image = os_pretty_name();
  return info;
}

std::string detect_node_ip() {
  // A UDP "connect" sends nothing; it only asks the kernel which source address it would use.
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = htons(53);
    inet_pton(AF_INET, "8.8.8.8", &target.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) == 0) {
      sockaddr_in local{};
      socklen_t len = sizeof local;
      if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
        char text[INET_ADDRSTRLEN] = {};
        inet_ntop(AF_INET, &local.sin_addr, text, sizeof text);
        ::close(fd);
        if (std::string(text) != "0.0.0.0") return text;
      }
    }
    ::close(fd);
  }
  ifaddrs* list = nullptr;
  std::string found = "127.0.0.1";
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* it = list; it; it = it->ifa_next) {
      if (!it->ifa_addr || it->ifa_addr->sa_family != AF_INET) continue;
      if ((it->ifa_flags & IFF_LOOPBACK) || !(it->ifa_flags & IFF_UP)) continue;
      char text[INET_ADDRSTRLEN] = {};
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(it->ifa_addr)->sin_addr, text, sizeof text);
      found = text;
      break;
    }
    freeifaddrs(list);
  }
  return found;
}

int64_t available_memory_bytes() {
  int64_t kib = meminfo_kib("MemAvailable");
  return kib < 0 ? -1 : kib * 1024;
}

bool filesystem_usage(const std::string& path, uint64_t& available, uint64_t& capacity, uint64_t& inodes_free,
                      uint64_t& inodes) {
  struct statvfs st {};
  std::string probe = path;
  // The root dir may not exist yet on first start; measure its nearest existing parent.
  while (statvfs(probe.c_str(), &st) != 0) {
    auto slash = probe.find_last_of('/');
    if (slash == std::string::npos || probe == "/") return false;
    probe = slash == 0 ? "/" : probe.substr(0, slash);
  }
  available = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  capacity = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
  inodes_free = st.f_favail;
  inodes = st.f_files;
  return true;
}

}  // namespace k3s::kubelet
