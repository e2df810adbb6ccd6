// The kubelet's Prometheus endpoints: /metrics (the kubelet's own state: running pods and
// containers, process figures) and /metrics/resource (the container, pod and node CPU and
// memory that metrics-server scrapes), read from the runtime at scrape time.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cri/cri.h"

namespace k3s::kubelet {

std::string kubelet_metrics_text(const std::vector<nlohmann::json>& pods);
std::string resource_metrics_text(cri::Client& runtime);

}  // namespace k3s::kubelet
