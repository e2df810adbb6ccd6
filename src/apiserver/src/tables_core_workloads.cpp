// core/v1 Table printers for workloads: Pod, ReplicationController and PodTemplate.
#include <map>
#include <optional>

#include "tables_internal.h"

namespace k3s::apiserver::tables {

namespace {

bool condition_true(const Json& pod, const std::string& type) {
  for (const auto& c : array_at(pod, "/status/conditions"))
    if (string_at(c, "/type", "") == type) return string_at(c, "/status", "") == "True";
  return false;
}

// Sidecars: init containers with restartPolicy Always keep running next to the app containers.
bool is_sidecar(const Json& init_container) { return string_at(init_container, "/restartPolicy", "") == "Always"; }

// The latest lastState.terminated.finishedAt seen, for "N (5m ago)" in RESTARTS.
void note_restart(const Json& status, std::optional<object::Timestamp>& latest) {
  auto finished = object::parse_time(string_at(status, "/lastState/terminated/finishedAt", ""));
  if (finished && (!latest || *finished > *latest)) latest = finished;
}

std::string exit_text(const Json& terminated, const std::string& prefix) {
  const int64_t signal = int_at(terminated, "/signal");
  return signal != 0 ? prefix + "Signal:" + std::to_string(signal) : prefix + "ExitCode:" + std::to_string(int_at(terminated, "/exitCode"));
}

struct PodSummary {
  int64_t ready = 0, total = 0, restarts = 0;
  std::optional<object::Timestamp> last_restart;
  std::string reason;
};

// READY, STATUS and RESTARTS the way kubectl shows them: init progress ("Init:1/2",
// "Init:CrashLoopBackOff") while initializing, else the last container's waiting or terminated
// reason, "Terminating" while a non-terminal pod is deleted.
PodSummary summarize(const Json& pod) {
  PodSummary s;
  const std::string phase = string_at(pod, "/status/phase", "");
  s.reason = phase;
  if (!string_at(pod, "/status/reason", "").empty()) s.reason = string_at(pod, "/status/reason", "");
  for (const auto& c : array_at(pod, "/status/conditions"))
    if (string_at(c, "/type", "") == "PodScheduled" && string_at(c, "/reason", "") == "SchedulingGated") s.reason = "SchedulingGated";

  const Json init_containers = array_at(pod, "/spec/initContainers");
  s.total = static_cast<int64_t>(array_at(pod, "/spec/containers").size());
  std::map<std::string, bool> sidecar;
  for (const auto& c : init_containers) {
    sidecar[string_at(c, "/name", "")] = is_sidecar(c);
    if (is_sidecar(c)) ++s.total;
  }

  bool initializing = false;
  int64_t sidecar_restarts = 0;
  std::optional<object::Timestamp> sidecar_last_restart;
  const Json init_statuses = array_at(pod, "/status/initContainerStatuses");
  for (std::size_t i = 0; i < init_statuses.size(); ++i) {
    const Json& c = init_statuses[i];
    const bool is_side = sidecar[string_at(c, "/name", "")];
    s.restarts += int_at(c, "/restartCount");
    note_restart(c, s.last_restart);
    if (is_side) {
      sidecar_restarts += int_at(c, "/restartCount");
      note_restart(c, sidecar_last_restart);
    }
    const Json terminated = object_at(c, "/state/terminated"), waiting = object_at(c, "/state/waiting");
    const bool has_terminated = c.contains(Json::json_pointer("/state/terminated"));
    const bool has_waiting = c.contains(Json::json_pointer("/state/waiting"));
    if (has_terminated && int_at(terminated, "/exitCode") == 0) continue;
    if (is_side && bool_at(c, "/started", false)) {
      if (bool_at(c, "/ready", false)) ++s.ready;
      continue;
    }
    if (has_terminated) {
      const std::string r = string_at(terminated, "/reason", "");
      s.reason = r.empty() ? exit_text(terminated, "Init:") : "Init:" + r;
    } else if (has_waiting && !string_at(waiting, "/reason", "").empty() && string_at(waiting, "/reason", "") != "PodInitializing") {
      s.reason = "Init:" + string_at(waiting, "/reason", "");
    } else {
      s.reason = "Init:" + std::to_string(i) + "/" + std::to_string(init_containers.size());
    }
    initializing = true;
    break;
  }

  if (!initializing || condition_true(pod, "Initialized")) {
    s.restarts = sidecar_restarts;
    s.last_restart = sidecar_last_restart;
    bool has_running = false;
    const Json statuses = array_at(pod, "/status/containerStatuses");
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      const Json& c = *it;
      s.restarts += int_at(c, "/restartCount");
      note_restart(c, s.last_restart);
      const Json terminated = object_at(c, "/state/terminated");
      const bool has_terminated = c.contains(Json::json_pointer("/state/terminated"));
      const std::string waiting_reason = string_at(c, "/state/waiting/reason", "");
      if (!waiting_reason.empty()) {
        s.reason = waiting_reason;
      } else if (has_terminated && !string_at(terminated, "/reason", "").empty()) {
        s.reason = string_at(terminated, "/reason", "");
      } else if (has_terminated) {
        s.reason = exit_text(terminated, "");
      } else if (bool_at(c, "/ready", false) && c.contains(Json::json_pointer("/state/running"))) {
        has_running = true;
        ++s.ready;
      }
    }
    // A finished container next to a running one: the pod is still up.
    if (s.reason == "Completed" && has_running) s.reason = condition_true(pod, "Ready") ? "Running" : "NotReady";
  }

  if (object::is_being_deleted(pod) && string_at(pod, "/status/reason", "") == "NodeLost")
    s.reason = "Unknown";
  else if (object::is_being_deleted(pod) && phase != "Succeeded" && phase != "Failed")
    s.reason = "Terminating";
  return s;
}

// READINESS GATES: gates whose condition is True out of those declared.
std::string readiness_gates(const Json& pod) {
  const Json gates = array_at(pod, "/spec/readinessGates");
  if (gates.empty()) return "<none>";
  int64_t met = 0;
  for (const auto& gate : gates)
    if (condition_true(pod, string_at(gate, "/conditionType", ""))) ++met;
  return std::to_string(met) + "/" + std::to_string(gates.size());
}

Row pod_row(const Json& pod, const std::string& age, object::Timestamp now) {
  const PodSummary s = summarize(pod);
  std::string restarts = std::to_string(s.restarts);
  if (s.restarts != 0 && s.last_restart)
    restarts += " (" + human_duration(std::chrono::duration_cast<std::chrono::seconds>(now - *s.last_restart)) + " ago)";
  // status.podIPs[0] wins over status.podIP, as kube's conversion reconciles them.
  std::string ip = string_at(pod, "/status/podIPs/0/ip", "");
  if (ip.empty()) ip = string_at(pod, "/status/podIP", "");
  return {object::name_of(pod), std::to_string(s.ready) + "/" + std::to_string(s.total), s.reason, restarts, age,
          ip.empty() ? "<none>" : ip, str_or(pod, "/spec/nodeName"), str_or(pod, "/status/nominatedNodeName"),
          readiness_gates(pod)};
}

}  // namespace

void add_core_workload_printers(PrinterMap& map) {
  map["/Pod"] = {{name_column(),
                  {"Ready", "string", "", "Ready containers out of all containers.", 0},
                  {"Status", "string", "", "Phase, or the reason a container is waiting or terminated.", 0},
                  {"Restarts", "string", "", "Container restarts summed over the pod.", 0},
                  age_column(),
                  {"IP", "string", "", "The pod's IP address.", 1},
                  {"Node", "string", "", "The node the pod is bound to.", 1},
                  {"Nominated Node", "string", "", "The node chosen for the pod while it waits for preemption.", 1},
                  {"Readiness Gates", "string", "", "Readiness gates met out of those declared.", 1}},
                 [](const Json& o, const std::string& age, object::Timestamp now) { return pod_row(o, age, now); }};
  map["/ReplicationController"] = {replica_columns(),
                                   [](const Json& o, const std::string& age, object::Timestamp) {
                                     auto [names, imgs] = template_containers(o, "/spec/template");
                                     return Row{object::name_of(o), desired_replicas(o), int_at(o, "/status/replicas"),
                                                int_at(o, "/status/readyReplicas"), age, names, imgs,
                                                selector_text(object_at(o, "/spec/selector"))};
                                   }};
  // kube prints a pod template's containers by default (not only -o wide) and no AGE.
  map["/PodTemplate"] = {{name_column(),
                          {"Containers", "string", "", "Container names of the template.", 0},
                          {"Images", "string", "", "Images of the template.", 0},
                          {"Pod Labels", "string", "", "The labels the template gives its pods.", 0}},
                         [](const Json& o, const std::string&, object::Timestamp) {
                           auto [names, imgs] = template_containers(o, "/template");
                           return Row{object::name_of(o), names, imgs, selector_text(object_at(o, "/template/metadata/labels"))};
                         }};
}

}  // namespace k3s::apiserver::tables
