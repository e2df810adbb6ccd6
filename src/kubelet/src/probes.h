// Container probes and lifecycle hooks: exec (CRI ExecSync), httpGet, tcpSocket, grpc
// (grpc.health.v1 Check).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cri/cri.h"

namespace k3s::kubelet {

struct ProbeResult {
  bool success = false;
  std::string message;  // why it failed, as the kubelet's events word it
};

// Runs one probe (or a lifecycle handler: same shape) against a running container.
// `pod_ip` is the default host for httpGet/tcpSocket.
ProbeResult run_probe(cri::Client& runtime, const std::string& container_id, const std::string& pod_ip,
                      const nlohmann::json& container, const nlohmann::json& handler);

}  // namespace k3s::kubelet
