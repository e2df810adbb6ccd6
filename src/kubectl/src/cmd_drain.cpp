// drain: cordon a node, sort its pods through kubectl's filters (DaemonSet-managed, mirror,
// local storage, unreplicated), evict the deletable ones through the Eviction API (or delete
// them with --disable-eviction) and wait until they are gone.
#include <chrono>
#include <iostream>
#include <map>
#include <thread>

#include "commands.h"
#include "object/meta.h"

namespace k3s::kubectl {
namespace {

void add_drain_flags(Flags& flags) {
  flags.add("selector", 'l', true);
  flags.add("pod-selector", 0, true);
  flags.add("ignore-daemonsets", 0, false);
  flags.add("delete-emptydir-data", 0, false);
  flags.add("delete-local-data", 0, false);
  flags.add("force", 0, false);
  flags.add("grace-period", 0, true, "-1");
  flags.add("timeout", 0, true, "0s");
  flags.add("disable-eviction", 0, false);
  flags.add("skip-wait-for-delete-timeout", 0, true, "0");
  flags.add("chunk-size", 0, true, "500");
  flags.add("dry-run", 0, true, "none");
}

// One filter's verdict on a pod; the last filter that ran decides (a later warning
// replaces an earlier one, an error stops the chain), as kubectl's filters do.
struct Verdict {
  bool remove = true;
  std::string warning;  // grouped into the "Warning: ..." line
  std::string fatal;    // grouped into the "cannot delete ..." errors
};

const Json& field(const Json& object, const char* key) {
  static const Json empty = Json::object();
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : empty;
}

bool terminal(const Json& pod) {
  std::string phase = field(pod, "status").value("phase", "");
  return phase == "Succeeded" || phase == "Failed";
}

std::optional<Json> controller_of(const Json& pod) {
  for (const auto& ref : field(pod, "metadata").value("ownerReferences", Json::array())) {
    if (ref.value("controller", false)) return ref;
  }
  return std::nullopt;
}

Verdict judge(Session& session, const Json& pod) {
  const Flags& f = session.flags();
  Verdict v;
  auto controller = controller_of(pod);
  // DaemonSet-managed: their controller would recreate them at once.
  if (controller && controller->value("kind", "") == "DaemonSet" && !terminal(pod)) {
    bool exists = true;
    try {
      session.api().get(client::GroupVersionResource{"apps", "v1", "daemonsets"}, object::namespace_of(pod),
                        controller->value("name", ""));
    } catch (const client::ApiError& e) {
      if (!e.is_not_found() || !f.boolean("force")) throw;
      exists = false;
      v.warning = e.message();
    }
    if (exists) {
      if (!f.boolean("ignore-daemonsets")) return {false, "", "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"};
      return {false, "ignoring DaemonSet-managed Pods", ""};
    }
  }
  // Mirror pods belong to the kubelet's static manifests: never deleted through the API.
  if (object::annotation(pod, "kubernetes.io/config.mirror")) return {false, "", ""};
  bool local = false;
  for (const auto& vol : field(pod, "spec").value("volumes", Json::array())) local = local || vol.contains("emptyDir");
  if (local && !terminal(pod)) {
    if (!f.boolean("delete-emptydir-data") && !f.boolean("delete-local-data"))
      return {false, "", "Pods with local storage (use --delete-emptydir-data to override)"};
    v.warning = "deleting Pods with local storage";
  }
  if (!controller && !terminal(pod)) {
    if (!f.boolean("force")) return {false, "", "cannot delete Pods that declare no controller (use --force to override)"};
    v.warning = "deleting Pods that declare no controller";
  }
  return v;
}

std::string pod_ref(const Json& pod) { return object::namespace_of(pod) + "/" + object::name_of(pod); }

// Messages grouped in first-seen order, each with its pods.
using Groups = std::vector<std::pair<std::string, std::vector<std::string>>>;
void add_to(Groups& groups, const std::string& message, const std::string& pod) {
  for (auto& [m, pods] : groups) {
    if (m == message) {
      pods.push_back(pod);
      return;
    }
  }
  groups.push_back({message, {pod}});
}
std::string joined(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

// kubectl's report of a node it could not drain: the error (an aggregate in brackets when
// there are several), the pending node and each error again.
[[noreturn]] void fail_drain(const std::string& node, const std::vector<std::string>& errors) {
  std::string all = errors.size() == 1 ? errors[0] : "[" + joined(errors, ", ") + "]";
  throw ExitError("error: unable to drain node \"" + node + "\" due to error: " + all +
                  ", continuing command...\nThere are pending nodes to be drained:\n " + node + "\n" +
                  joined(errors, "\n"));
}

bool pod_gone(Session& session, const Json& pod) {
  try {
    Json live = session.api().get(client::resources::kPods, object::namespace_of(pod), object::name_of(pod));
    return object::uid_of(live) != object::uid_of(pod);
  } catch (const client::ApiError& e) {
    if (e.is_not_found()) return true;
    throw;
  }
}

void drain_node(Session& session, const Json& node) {
  const Flags& f = session.flags();
  const std::string mode = dry_run_mode(f);
  const std::string suffix = dry_run_suffix(mode);
  const std::string name = object::name_of(node);
  if (field(node, "spec").value("unschedulable", false)) {
    std::cout << "node/" << name << " already cordoned" << suffix << "\n";
  } else {
    if (mode != "client") {
      client::PatchOptions po;
      if (mode == "server") po.dry_run = {"All"};
      session.api().patch(client::resources::kNodes, "", name, client::PatchType::strategic,
                          {{"spec", {{"unschedulable", true}}}}, po);
    }
    std::cout << "node/" << name << " cordoned" << suffix << "\n";
  }

  client::ListOptions lo{.label_selector = f.str("pod-selector"), .field_selector = "spec.nodeName=" + name};
  Json pods = session.api().list(client::resources::kPods, "", lo).value("items", Json::array());
  std::vector<Json> deletable;
  Groups warnings, fatals;
  for (const auto& pod : pods) {
    Verdict v = judge(session, pod);
    if (!v.fatal.empty()) add_to(fatals, v.fatal, pod_ref(pod));
    else if (!v.warning.empty()) add_to(warnings, v.warning, pod_ref(pod));
    if (v.remove && v.fatal.empty()) deletable.push_back(pod);
  }
  if (!fatals.empty()) {
    std::vector<std::string> errors;
    for (const auto& [m, list] : fatals) errors.push_back("cannot delete " + m + ": " + joined(list, ", "));
    fail_drain(name, errors);
  }
  if (!warnings.empty()) {
    std::vector<std::string> parts;
    for (const auto& [m, list] : warnings) parts.push_back(m + ": " + joined(list, ", "));
    std::cerr << "Warning: " << joined(parts, "; ") << "\n";
  }

  const auto timeout = parse_duration(f.str("timeout"));
  const auto deadline = std::chrono::steady_clock::now() + (timeout.count() ? timeout : std::chrono::hours(24 * 365));
  const long long grace = f.integer("grace-period");
  const bool evict = !f.boolean("disable-eviction");
  std::vector<Json> sent;
  // kubectl names the pods still there, then fails the node.
  auto timed_out = [&](const Json& pod) {
    std::string error = "error when waiting for pod \"" + object::name_of(pod) + "\" in namespace \"" +
                        object::namespace_of(pod) + "\" to terminate: context deadline exceeded";
    std::cerr << "There are pending pods in node \"" << name << "\" when an error occurred: " << error << "\n";
    for (const auto& p : sent) {
      if (!pod_gone(session, p)) std::cerr << "pod/" << object::name_of(p) << "\n";
    }
    fail_drain(name, {error});
  };
  for (const auto& pod : deletable) {
    const std::string ns = object::namespace_of(pod), pod_name = object::name_of(pod);
    if (mode == "client") {
      std::cout << (evict ? "evicting pod " + ns + "/" + pod_name : "pod/" + pod_name + " deleted") << suffix << "\n";
      continue;
    }
    if (!evict) {
      client::DeleteOptions options;
      if (grace >= 0) options.grace_period_seconds = grace;
      if (mode == "server") options.dry_run = {"All"};
      try {
        session.api().remove(client::resources::kPods, ns, pod_name, options);
      } catch (const client::ApiError& e) {
        if (!e.is_not_found()) throw;
      }
      std::cout << "pod/" << pod_name << " deleted" << suffix << "\n";
      if (mode == "none") sent.push_back(pod);
      continue;
    }
    Json delete_options = Json::object();
    if (grace >= 0) delete_options["gracePeriodSeconds"] = grace;
    if (mode == "server") delete_options["dryRun"] = Json::array({"All"});
    Json eviction = {{"apiVersion", "policy/v1"},
                     {"kind", "Eviction"},
                     {"metadata", {{"name", pod_name}, {"namespace", ns}}},
                     {"deleteOptions", delete_options}};
    std::cout << "evicting pod " << ns << "/" << pod_name << suffix << "\n";
    for (;;) {
      try {
        session.api().request_json("POST", client::resource_path(client::resources::kPods, ns, pod_name, "eviction"),
                                   eviction.dump());
        if (mode == "none") sent.push_back(pod);
        break;
      } catch (const client::ApiError& e) {
        if (e.is_not_found()) break;
        // A PodDisruptionBudget refuses the eviction for now: kubectl retries until it may.
        if (e.code() != 429) throw;
        std::cerr << "error when evicting pods/\"" << pod_name << "\" -n \"" << ns
                  << "\" (will retry after 5s): " << e.message() << "\n";
        if (std::chrono::steady_clock::now() + std::chrono::seconds(5) > deadline) timed_out(pod);
        std::this_thread::sleep_for(std::chrono::seconds(5));
      }
    }
  }
  for (const auto& pod : sent) {
    while (!pod_gone(session, pod)) {
      if (std::chrono::steady_clock::now() >= deadline) timed_out(pod);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (evict) std::cout << "pod/" << object::name_of(pod) << " evicted\n";
  }
  std::cout << "node/" << name << " drained" << suffix << "\n";
}

int run_drain(Session& session) {
  const Flags& f = session.flags();
  const auto& args = f.positional();
  std::vector<Json> nodes;
  if (f.given("selector")) {
    for (auto& n : session.api().list(client::resources::kNodes, "", {.label_selector = f.str("selector")})
                       .value("items", Json::array()))
      nodes.push_back(n);
  } else {
    if (args.empty()) throw UsageError("USAGE: drain NODE [flags]");
    for (auto a : args) {
      if (auto slash = a.find('/'); slash != std::string::npos) a = a.substr(slash + 1);
      nodes.push_back(session.api().get(client::resources::kNodes, "", a));
    }
  }
  for (const auto& node : nodes) drain_node(session, node);
  return 0;
}

}  // namespace

std::vector<CommandDef> drain_commands() { return {{"drain", add_drain_flags, run_drain}}; }

}  // namespace k3s::kubectl
