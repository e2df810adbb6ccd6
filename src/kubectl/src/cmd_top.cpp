// top node|pod: resource usage from the metrics.k8s.io API (served by a metrics server),
// kubectl's "Metrics API not available" when discovery does not list that group.
#include <iostream>

#include "commands.h"
#include "object/meta.h"
#include "object/quantity.h"
#include "output.h"

namespace k3s::kubectl {
namespace {

constexpr const char* kMetricsGroup = "metrics.k8s.io";

void add_top_flags(Flags& flags) {
  flags.add("selector", 'l', true);
  flags.add("field-selector", 0, true);
  flags.add("all-namespaces", 'A', false);
  flags.add("no-headers", 0, false);
  flags.add("sort-by", 0, true);
  flags.add("containers", 0, false);
  flags.add("use-protocol-buffers", 0, false, "true");
  flags.add("show-capacity", 0, false);
  flags.add("sum", 0, false);
}

// The metrics group's preferred version, or kubectl's error when no server provides it.
std::string metrics_version(Session& session) {
  Json groups = session.api().request_json("GET", "/apis");
  for (const auto& g : groups.value("groups", Json::array())) {
    if (g.value("name", "") != kMetricsGroup) continue;
    std::string v = g.value("preferredVersion", Json::object()).value("version", "");
    if (!v.empty()) return v;
  }
  throw CommandError("Metrics API not available");
}

std::int64_t millicores(const Json& usage) { return object::Quantity::from_json(usage.value("cpu", Json())).milli_value(); }
std::int64_t bytes(const Json& usage) { return object::Quantity::from_json(usage.value("memory", Json())).value(); }
std::string cores_text(std::int64_t m) { return std::to_string(m) + "m"; }
std::string mebibytes_text(std::int64_t b) { return std::to_string(b / (1024 * 1024)) + "Mi"; }
std::string percent(std::int64_t used, std::int64_t total) {
  return total > 0 ? std::to_string(used * 100 / total) + "%" : "<unknown>";
}

int run_top_node(Session& session) {
  const Flags& f = session.flags();
  std::string version = metrics_version(session);
  std::string path = "/apis/" + std::string(kMetricsGroup) + "/" + version + "/nodes";
  if (!f.positional().empty()) path += "/" + f.positional()[0];
  else if (f.given("selector")) path += "?labelSelector=" + f.str("selector");
  Json answer = session.api().request_json("GET", path);
  Json items = answer.contains("items") ? answer["items"] : Json::array({answer});
  std::vector<std::vector<std::string>> rows;
  if (!f.boolean("no-headers")) rows.push_back({"NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"});
  const char* basis = f.boolean("show-capacity") ? "capacity" : "allocatable";
  for (const auto& m : items) {
    std::string name = object::name_of(m);
    Json usage = m.value("usage", Json::object());
    Json node = session.api().get(client::resources::kNodes, "", name);
    Json total = node.value("status", Json::object()).value(basis, Json::object());
    rows.push_back({name, cores_text(millicores(usage)), percent(millicores(usage), millicores(total)),
                    mebibytes_text(bytes(usage)), percent(bytes(usage), bytes(total))});
  }
  std::cout << tabulate(rows);
  return 0;
}

int run_top_pod(Session& session) {
  const Flags& f = session.flags();
  std::string version = metrics_version(session);
  bool all = f.boolean("all-namespaces");
  std::string ns = session.namespace_();
  std::string path = "/apis/" + std::string(kMetricsGroup) + "/" + version + (all ? "" : "/namespaces/" + ns) + "/pods";
  if (!f.positional().empty()) path += "/" + f.positional()[0];
  else if (f.given("selector")) path += "?labelSelector=" + f.str("selector");
  Json answer = session.api().request_json("GET", path);
  Json items = answer.contains("items") ? answer["items"] : Json::array({answer});
  if (items.empty()) {
    throw CommandError(all ? "No resources found" : "No resources found in " + ns + " namespace.");
  }
  bool containers = f.boolean("containers");
  std::vector<std::vector<std::string>> rows;
  if (!f.boolean("no-headers")) {
    std::vector<std::string> head;
    if (all) head.push_back("NAMESPACE");
    head.push_back("NAME");
    if (containers) head.push_back("CONTAINER");
    head.insert(head.end(), {"CPU(cores)", "MEMORY(bytes)"});
    rows.push_back(head);
  }
  for (const auto& m : items) {
    std::int64_t cpu = 0, mem = 0;
    for (const auto& c : m.value("containers", Json::array())) {
      Json usage = c.value("usage", Json::object());
      if (containers) {
        std::vector<std::string> row;
        if (all) row.push_back(object::namespace_of(m));
        row.insert(row.end(), {object::name_of(m), c.value("name", ""), cores_text(millicores(usage)),
                               mebibytes_text(bytes(usage))});
        rows.push_back(row);
      }
      cpu += millicores(usage);
      mem += bytes(usage);
    }
    if (containers) continue;
    std::vector<std::string> row;
    if (all) row.push_back(object::namespace_of(m));
    row.insert(row.end(), {object::name_of(m), cores_text(cpu), mebibytes_text(mem)});
    rows.push_back(row);
  }
  std::cout << tabulate(rows);
  return 0;
}

// `kubectl top` alone: kubectl prints the group's help on stderr and fails.
int run_top(Session&) {
  throw ExitError(
      "Display resource (CPU/memory) usage.\n\n"
      " The top command allows you to see the resource consumption for nodes or pods.\n\n"
      " This command requires Metrics Server to be correctly configured and working on the server.\n\n"
      "Available Commands:\n"
      "  node          Display resource (CPU/memory) usage of nodes\n"
      "  pod           Display resource (CPU/memory) usage of pods\n\n"
      "Usage:\n  kubectl top [flags] [options]\n\n"
      "Use \"kubectl top <command> --help\" for more information about a given command.\n"
      "Use \"kubectl options\" for a list of global command-line options (applies to all commands).");
}

}  // namespace

std::vector<CommandDef> top_commands() {
  return {
      {"top", nullptr, run_top},
      {"top node", add_top_flags, run_top_node},
      {"top nodes", add_top_flags, run_top_node},
      {"top no", add_top_flags, run_top_node},
      {"top pod", add_top_flags, run_top_pod},
      {"top pods", add_top_flags, run_top_pod},
      {"top po", add_top_flags, run_top_pod},
  };
}

}  // namespace k3s::kubectl
