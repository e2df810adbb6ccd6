#include "kubelet_metrics.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "metrics/metrics.h"

namespace k3s::kubelet {

namespace {

using Json = nlohmann::json;

std::string label(const google::protobuf::Map<std::string, std::string>& labels, const char* key) {
  auto it = labels.find(key);
  return it == labels.end() ? "" : it->second;
}

// Node CPU in core-seconds from /proc/stat (every state but idle and iowait).
double node_cpu_seconds() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  const long hz = ::sysconf(_SC_CLK_TCK);
  return static_cast<double>(user + nice + system + irq + softirq + steal) / static_cast<double>(hz > 0 ? hz : 100);
}

// Node working set: memory in use, not counting what the kernel can reclaim at once.
double node_memory_working_set_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key, unit;
  unsigned long long value = 0, total = 0, available = 0;
  while (meminfo >> key >> value) {
    std::getline(meminfo, unit);
    if (key == "MemTotal:") total = value;
    if (key == "MemAvailable:") available = value;
  }
  return static_cast<double>(total - std::min(total, available)) * 1024;
}

}  // namespace

std::string kubelet_metrics_text(const std::vector<Json>& pods) {
  metrics::Registry registry;
  auto& running_pods = registry.gauge("kubelet_running_pods", "Number of pods that have a running pod sandbox.", {});
  auto& containers = registry.gauge("kubelet_running_containers", "Number of containers currently running.",
                                    {"container_state"});
  running_pods.set({}, 0);
  for (const auto& pod : pods) {
    const Json status = pod.value("status", Json::object());
    if (status.value("phase", "") == "Running") running_pods.add({}, 1);
    for (const auto& c : status.value("containerStatuses", Json::array())) {
      const Json state = c.value("state", Json::object());
      const std::string name = state.contains("running")      ? "running"
                               : state.contains("terminated") ? "exited"
                               : state.contains("waiting")    ? "created"
                                                              : "unknown";
      containers.add({name}, 1);
    }
  }
  return registry.expose() + metrics::process_metrics_text();
}

std::string resource_metrics_text(cri::Client& runtime) {
  metrics::Registry registry;
  auto& container_cpu = registry.counter("container_cpu_usage_seconds_total",
                                         "[STABLE] Cumulative cpu time consumed by the container in core-seconds",
                                         {"container", "namespace", "pod"});
  auto& container_memory = registry.gauge("container_memory_working_set_bytes",
                                          "[STABLE] Current working set of the container in bytes",
                                          {"container", "namespace", "pod"});
  auto& pod_cpu = registry.counter("pod_cpu_usage_seconds_total",
                                   "[STABLE] Cumulative cpu time consumed by the pod in core-seconds", {"namespace", "pod"});
  auto& pod_memory = registry.gauge("pod_memory_working_set_bytes", "[STABLE] Current working set of the pod in bytes",
                                    {"namespace", "pod"});
  auto& node_cpu = registry.counter("node_cpu_usage_seconds_total",
                                    "[STABLE] Cumulative cpu time consumed by the node in core-seconds", {});
  auto& node_memory =
      registry.gauge("node_memory_working_set_bytes", "[STABLE] Current working set of the node in bytes", {});
  auto& scrape_error = registry.gauge("resource_scrape_error",
                                      "[STABLE] 1 if there was an error while getting container metrics, 0 otherwise", {});
  node_cpu.inc({}, node_cpu_seconds());
  node_memory.set({}, node_memory_working_set_bytes());
  scrape_error.set({}, 0);
  try {
    for (const auto& stats : runtime.list_container_stats()) {
      const auto& labels = stats.attributes().labels();
      const std::string pod = label(labels, "io.kubernetes.pod.name");
      const std::string ns = label(labels, "io.kubernetes.pod.namespace");
      const std::string container = stats.attributes().metadata().name();
      if (pod.empty()) continue;  // not a Kubernetes container
      if (stats.has_cpu() && stats.cpu().has_usage_core_nano_seconds()) {
        const double seconds = static_cast<double>(stats.cpu().usage_core_nano_seconds().value()) / 1e9;
        container_cpu.inc({container, ns, pod}, seconds);
        pod_cpu.inc({ns, pod}, seconds);
      }
      if (stats.has_memory() && stats.memory().has_working_set_bytes()) {
        const double bytes = static_cast<double>(stats.memory().working_set_bytes().value());
        container_memory.set({container, ns, pod}, bytes);
        pod_memory.add({ns, pod}, bytes);
      }
    }
  } catch (const std::exception&) {
    scrape_error.set({}, 1);
  }
  return registry.expose();
}

}  // namespace k3s::kubelet
