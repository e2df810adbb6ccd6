// describe replicaset and replicationcontroller: replica counts, the phases of the pods
// they control, the pod template, conditions and events.
#include "describe.h"

namespace k3s::kubectl::describe {
namespace {

// "R Running / W Waiting / S Succeeded / F Failed" over the pods the selector matches that
// this object controls.
std::string pods_status(Session& session, const Json& o, const std::string& selector) {
  int running = 0, waiting = 0, succeeded = 0, failed = 0;
  Json pods = session.api().list(client::resources::kPods, object::namespace_of(o), {.label_selector = selector}).value("items", Json::array());
  for (const auto& p : pods) {
    bool ours = false;
    for (const auto& ref : field_of(p, "metadata").value("ownerReferences", Json::array())) {
      if (ref.value("controller", false) && str_of(ref, "uid") == object::uid_of(o)) ours = true;
    }
    if (!ours) continue;
    std::string phase = str_of(field_of(p, "status"), "phase");
    if (phase == "Running") ++running;
    else if (phase == "Pending") ++waiting;
    else if (phase == "Succeeded") ++succeeded;
    else if (phase == "Failed") ++failed;
  }
  return std::to_string(running) + " Running / " + std::to_string(waiting) + " Waiting / " + std::to_string(succeeded) +
         " Succeeded / " + std::to_string(failed) + " Failed";
}

std::string count(const Json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_number() ? std::to_string(it->get<long long>()) : "0";
}

void conditions(Writer& w, const Json& status) {
  auto list = status.value("conditions", Json::array());
  if (list.empty()) return;
  w.line(0, "Conditions:");
  w.line(1, "Type\tStatus\tReason");
  w.line(1, "----\t------\t------");
  for (const auto& c : list) w.line(1, str_of(c, "type") + " \t" + str_of(c, "status") + "\t" + str_of(c, "reason"));
}

// The shared layout; `selector` is the selector as printed, `query` as sent to list pods.
std::string describe(Session& session, const Json& o, const std::string& selector, const std::string& query, bool controlled_by) {
  Writer w;
  const Json spec = field_of(o, "spec"), status = field_of(o, "status");
  w.field(0, "Name", object::name_of(o));
  w.field(0, "Namespace", object::namespace_of(o));
  w.field(0, "Selector", selector);
  w.map(0, "Labels", object::labels_of(o));
  w.annotations(0, "Annotations", object::annotations_of(o));
  std::string controller = controller_of(o);
  if (controlled_by && !controller.empty()) w.field(0, "Controlled By", controller);
  w.field(0, "Replicas", count(status, "replicas") + " current / " + count(spec, "replicas") + " desired");
  w.field(0, "Pods Status", pods_status(session, o, query));
  pod_template(w, field_of(spec, "template"));
  conditions(w, status);
  events_section(session, w, o);
  return w.text();
}

}  // namespace

std::string replica_set(Session& session, const Json& o) {
  std::string selector = selector_text(field_of(field_of(o, "spec"), "selector"));
  return describe(session, o, selector, selector == "<none>" ? "" : selector, true);
}

std::string replication_controller(Session& session, const Json& o) {
  std::string selector = labels_text(field_of(field_of(o, "spec"), "selector"));
  return describe(session, o, selector, selector == "<none>" ? "" : selector, false);
}

}  // namespace k3s::kubectl::describe
