// Facts about the host the Node object reports: capacity, identity, addresses.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace k3s::kubelet {

struct HostInfo {
  std::string hostname;
  int64_t cpus = 0;
  int64_t memory_bytes = 0;             // MemTotal
  int64_t ephemeral_storage_bytes = 0;  // file system holding the kubelet root dir
  std::string machine_id, system_uuid, boot_id;
  std::string kernel_version, os_image, architecture;  // architecture in GOARCH spelling
};

HostInfo read_host_info(const std::string& root_dir);

// The address the host uses to reach the outside (the default route's source), else the
// first non-loopback IPv4 address, else 127.0.0.1.
std::string detect_node_ip();

// Memory available (MemAvailable) in bytes; -1 when unknown.
int64_t available_memory_bytes();
// Free bytes and total bytes of the file system holding `path`.
bool filesystem_usage(const std::string& path, uint64_t& available, uint64_t& capacity, uint64_t& inodes_free,
                      uint64_t& inodes);

}  // namespace k3s::kubelet
