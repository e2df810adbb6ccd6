// Pod status as the kubelet reports it: phase, conditions, container statuses, IPs, QoS.
#include <algorithm>

#include "object/pod_resources.h"
#include "object/meta.h"
#include "pod_sync.h"

namespace k3s::kubelet {
namespace {

std::string time_of_nanos(int64_t nanos) {
  return object::format_time(object::Timestamp(std::chrono::microseconds(nanos / 1000)));
}

// The latest and the previous instance of a container name.
struct History {
  const ContainerInstance* latest = nullptr;
  const ContainerInstance* previous = nullptr;
};

History history_of(const std::vector<ContainerInstance>& containers, const std::string& name) {
  History h;
  for (const auto& c : containers) {
    if (c.name != name) continue;
    if (!h.latest || c.attempt > h.latest->attempt) {
      h.previous = h.latest;
      h.latest = &c;
    } else if (!h.previous || c.attempt > h.previous->attempt) {
      h.previous = &c;
    }
  }
  return h;
}

Json terminated_state(const ContainerInstance& c) {
  std::string reason = c.reason;
  if (reason.empty()) reason = c.exit_code == 0 ? "Completed" : "Error";
  Json t{{"exitCode", c.exit_code}, {"reason", reason}, {"containerID", "containerd://" + c.id}};
  if (c.started_at > 0) t["startedAt"] = time_of_nanos(c.started_at);
  if (c.finished_at > 0) t["finishedAt"] = time_of_nanos(c.finished_at);
  if (!c.message.empty()) t["message"] = c.message;
  return {{"terminated", t}};
}

Json container_status(const Json& spec_container, const History& h, const PodState& state, bool is_init,
                      bool pod_initializing) {
  const std::string name = spec_container.value("name", "");
  Json s{{"name", name}, {"image", spec_container.value("image", "")}, {"imageID", ""}, {"ready", false},
         {"restartCount", 0}, {"started", false}, {"lastState", Json::object()}};
  auto waiting = state.waiting.find(name);
  if (h.latest) {
    const auto& c = *h.latest;
    s["containerID"] = "containerd://" + c.id;
    s["imageID"] = c.image_ref;
    s["restartCount"] = c.attempt;
    if (c.state == v1::CONTAINER_RUNNING) {
      s["state"] = {{"running", {{"startedAt", time_of_nanos(c.started_at)}}}};
      auto started = state.startup.find(name);
      const bool has_startup = spec_container.contains("startupProbe");
      const bool is_started = !has_startup || (started != state.startup.end() && started->second.passing);
      s["started"] = is_started;
      auto readiness = state.readiness.find(name);
      if (spec_container.contains("readinessProbe"))
        s["ready"] = is_started && readiness != state.readiness.end() && readiness->second.passing;
      else
        s["ready"] = is_started && !is_init;
    } else if (c.state == v1::CONTAINER_EXITED) {
      if (waiting != state.waiting.end()) {
        s["state"] = {{"waiting", {{"reason", waiting->second.first}, {"message", waiting->second.second}}}};
        s["lastState"] = terminated_state(c);
      } else {
        s["state"] = terminated_state(c);
        if (h.previous) s["lastState"] = terminated_state(*h.previous);
      }
      if (is_init && c.exit_code == 0) s["ready"] = true;
    } else {
      s["state"] = {{"waiting", {{"reason", "ContainerCreating"}}}};
    }
    if (c.state != v1::CONTAINER_EXITED && h.previous) s["lastState"] = terminated_state(*h.previous);
  } else if (waiting != state.waiting.end()) {
    Json w{{"reason", waiting->second.first}};
    if (!waiting->second.second.empty()) w["message"] = waiting->second.second;
    s["state"] = {{"waiting", w}};
  } else {
    s["state"] = {{"waiting", {{"reason", pod_initializing ? "PodInitializing" : "ContainerCreating"}}}};
  }
  return s;
}

Json condition(const Json& old_status, const std::string& type, bool status, const std::string& reason = "",
               const std::string& message = "") {
  const std::string value = status ? "True" : "False";
  std::string transition = object::format_time(object::now());
  for (const auto& c : old_status.value("conditions", Json::array()))
    if (c.value("type", "") == type && c.value("status", "") == value && c.contains("lastTransitionTime"))
      transition = c["lastTransitionTime"];
  Json c{{"type", type}, {"status", value}, {"lastProbeTime", nullptr}, {"lastTransitionTime", transition}};
  if (!reason.empty()) c["reason"] = reason;
  if (!message.empty()) c["message"] = message;
  return c;
}

}  // namespace

Json compute_pod_status(const Json& pod, const PodState& state, const std::vector<ContainerInstance>& containers,
                        const std::string& node_ip, bool sandbox_ready) {
  const Json spec = pod.value("spec", Json::object());
  const Json old_status = pod.value("status", Json::object());
  const std::string restart_policy = spec.value("restartPolicy", "Always");
  const Json init_specs = spec.value("initContainers", Json::array());
  const Json specs = spec.value("containers", Json::array());

  bool initialized = true;
  bool init_failed = false;
  Json init_statuses = Json::array();
  for (const auto& c : init_specs) {
    History h = history_of(containers, c.value("name", ""));
    init_statuses.push_back(container_status(c, h, state, true, false));
    const bool done = h.latest && h.latest->state == v1::CONTAINER_EXITED && h.latest->exit_code == 0;
    if (!done) initialized = false;
    if (h.latest && h.latest->state == v1::CONTAINER_EXITED && h.latest->exit_code != 0 && restart_policy == "Never")
      init_failed = true;
  }

  Json statuses = Json::array();
  int running = 0, succeeded = 0, failed = 0, waiting = 0;
  std::vector<std::string> unready;
  for (const auto& c : specs) {
    const std::string name = c.value("name", "");
    History h = history_of(containers, name);
    Json s = container_status(c, h, state, false, !initialized);
    if (!s.value("ready", false)) unready.push_back(name);
    if (s["state"].contains("running")) ++running;
    else if (s["state"].contains("terminated")) (s["state"]["terminated"].value("exitCode", 0) == 0 ? succeeded : failed)++;
    else {
      ++waiting;
      // A container waiting to restart counts as having exited for the phase.
      if (h.latest && h.latest->state == v1::CONTAINER_EXITED) running += 0;
    }
    statuses.push_back(s);
  }

  // Phase, as the kubelet's getPhase decides it.
  std::string phase = "Pending";
  const int total = static_cast<int>(specs.size());
  if (init_failed) {
    phase = "Failed";
  } else if (!initialized) {
    phase = "Pending";
  } else if (waiting > 0) {
    // Restarting containers keep a Running pod Running.
    bool any_ran = false;
    for (const auto& c : specs)
      if (history_of(containers, c.value("name", "")).latest) any_ran = true;
    phase = any_ran && (running > 0 || restart_policy != "Never") ? "Running" : "Pending";
  } else if (running > 0) {
    phase = "Running";
  } else if (succeeded + failed == total && total > 0) {
    if (restart_policy == "Always") phase = "Running";
    else phase = failed > 0 ? "Failed" : "Succeeded";
  }
  if (state.terminated && (phase == "Running" || phase == "Pending")) phase = old_status.value("phase", phase);

  Json status = Json::object();
  status["phase"] = phase;
  const bool completed = phase == "Succeeded" || phase == "Failed";
  Json conditions = Json::array();
  conditions.push_back(condition(old_status, "PodReadyToStartContainers", sandbox_ready && !completed));
  conditions.push_back(initialized || completed ? condition(old_status, "Initialized", true)
                                   : condition(old_status, "Initialized", false, "ContainersNotInitialized",
                                               "containers with incomplete status: [" + [&] {
                                                 std::string names;
                                                 for (const auto& c : init_specs) {
                                                   History h = history_of(containers, c.value("name", ""));
                                                   if (!(h.latest && h.latest->state == v1::CONTAINER_EXITED && h.latest->exit_code == 0))
                                                     names += (names.empty() ? "" : " ") + c.value("name", "");
                                                 }
                                                 return names;
                                               }() + "]"));
  std::string unready_list;
  for (const auto& n : unready) unready_list += (unready_list.empty() ? "" : " ") + n;
  const bool all_ready = unready.empty() && !completed;
  const std::string not_ready_reason = completed ? "PodCompleted" : "ContainersNotReady";
  const std::string not_ready_message = completed ? "" : "containers with unready status: [" + unready_list + "]";
  conditions.push_back(all_ready ? condition(old_status, "Ready", true)
                                 : condition(old_status, "Ready", false, not_ready_reason, not_ready_message));
  conditions.push_back(all_ready ? condition(old_status, "ContainersReady", true)
                                 : condition(old_status, "ContainersReady", false, not_ready_reason, not_ready_message));
  conditions.push_back(condition(old_status, "PodScheduled", true));
  status["conditions"] = conditions;
  status["hostIP"] = node_ip;
  status["hostIPs"] = Json::array({{{"ip", node_ip}}});
  const std::string pod_ip = host_network(pod) ? node_ip : state.pod_ip;
  if (!pod_ip.empty()) {
    status["podIP"] = pod_ip;
    status["podIPs"] = Json::array({{{"ip", pod_ip}}});
  }
  status["startTime"] = old_status.value("startTime", state.start_time);
  status["qosClass"] = object::pod_qos_class(pod);
  status["containerStatuses"] = statuses;
  if (!init_specs.empty()) status["initContainerStatuses"] = init_statuses;
  return status;
}

}  // namespace k3s::kubelet
