// Names and addresses the API serving certificate must carry.
#pragma once

#include <string>
#include <vector>

#include "cli/config.h"

namespace k3s::server {

struct ServingSans {
  std::vector<std::string> dns;
  std::vector<std::string> ips;
};

// 127.0.0.1, ::1, localhost, the host name, node/advertise/bind IPs, the node's interface
// addresses, kubernetes(.default(.svc(.<domain>))), the first IP of each --service-cidr,
// and every --tls-san (an IP literal becomes an IP SAN, anything else a DNS SAN).
ServingSans serving_sans(const cli::ServerConfig& config);

// First usable address of a CIDR ("10.43.0.0/16" -> "10.43.0.1"): the `kubernetes` service IP.
// Throws std::runtime_error naming the CIDR when it is malformed or has no room.
std::string first_ip_of_cidr(const std::string& cidr);

// Addresses of the host's up, non-loopback interfaces, skipping link-local and the virtual
// interfaces of the pod network, whose addresses come and go.
std::vector<std::string> host_interface_ips();

}  // namespace k3s::server
