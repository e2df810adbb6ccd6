// core/v1 Table printers for workloads: Pod, ReplicationController and PodTemplate.
#include "tables_internal.h"

namespace k3s::apiserver::tables {

namespace {

Row pod_row(const Json& pod, const std::string& age) {
  int total = 0, ready = 0;
  int64_t restarts = 0;
  if (pod.contains("spec") && pod["spec"].contains("containers") && pod["spec"]["containers"].is_array())
    total = static_cast<int>(pod["spec"]["containers"].size());
  std::string reason = str_or(pod, "/status/phase", "Pending").get<std::string>();
  if (pod.contains("status") && pod["status"].is_object()) {
    const Json& st = pod["status"];
    if (st.contains("reason") && st["reason"].is_string() && !st["reason"].get<std::string>().empty())
      reason = st["reason"].get<std::string>();
    for (const auto& cs : st.value("containerStatuses", Json::array())) {
      restarts += cs.value("restartCount", 0);
      if (cs.value("ready", false)) ++ready;
      const Json& state = cs.value("state", Json::object());
      if (state.contains("waiting") && !state["waiting"].value("reason", "").empty())
        reason = state["waiting"]["reason"].get<std::string>();
      else if (state.contains("terminated")) {
        std::string r = state["terminated"].value("reason", "");
        reason = r.empty() ? "Completed" : r;
      }
    }
  }
  if (object::is_being_deleted(pod)) reason = "Terminating";
  std::string gates = "<none>";
  if (pod.contains("spec") && pod["spec"].contains("readinessGates") && !pod["spec"]["readinessGates"].empty()) {
    int n = static_cast<int>(pod["spec"]["readinessGates"].size());
    gates = "0/" + std::to_string(n);
  }
  return {object::name_of(pod), std::to_string(ready) + "/" + std::to_string(total), reason,
          std::to_string(restarts), age, str_or(pod, "/status/podIP"), str_or(pod, "/spec/nodeName"),
          str_or(pod, "/status/nominatedNodeName"), gates};
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
                 [](const Json& o, const std::string& age, object::Timestamp) { return pod_row(o, age); }};
  map["/ReplicationController"] = {{name_column(),
                                    {"Desired", "integer", "", "Number of desired pods.", 0},
                                    {"Current", "integer", "", "Number of pods created.", 0},
                                    {"Ready", "integer", "", "Number of ready pods.", 0},
                                    age_column(), containers_column(), images_column(),
                                    {"Selector", "string", "", "The label selector of the pods.", 1}},
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
