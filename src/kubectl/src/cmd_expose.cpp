// Objects made for existing objects: kubectl expose (a Service selecting a workload's pods)
// and kubectl autoscale (an autoscaling/v2 HorizontalPodAutoscaler scaling it).
#include <algorithm>
#include <iostream>

#include "commands.h"
#include "output.h"
#include "workloads.h"

namespace k3s::kubectl {
namespace {

void add_generated_flags(Flags& flags, const std::string& manager) {
  add_file_flags(flags);
  flags.add("name", 0, true);
  flags.add("output", 'o', true);
  flags.add("dry-run", 0, true, "none");
  flags.add("save-config", 0, false);
  flags.add("record", 0, false);
  flags.add("field-manager", 0, true, manager);
  flags.add("template", 0, true);
  flags.add("show-managed-fields", 0, false);
  flags.add("allow-missing-template-keys", 0, false, "true");
}

// ---- expose ------------------------------------------------------------------------------

void add_expose_flags(Flags& flags) {
  add_generated_flags(flags, "kubectl-expose");
  flags.add("port", 0, true);
  flags.add("protocol", 0, true);
  flags.add("target-port", 0, true);
  flags.add("type", 0, true);
  flags.add("selector", 0, true);
  flags.add("labels", 'l', true);
  flags.add("external-ip", 0, true);
  flags.add("load-balancer-ip", 0, true);
  flags.add("session-affinity", 0, true);
  flags.add("cluster-ip", 0, true);
  flags.add("overrides", 0, true);
  flags.add("override-type", 0, true, "merge");
}

// "GroupKind" as kubectl names it in messages: "ConfigMap", "StatefulSet.apps".
std::string group_kind(const client::ResourceInfo& info) {
  return info.gvr.group.empty() ? info.kind : info.kind + "." + info.gvr.group;
}

Json service_for(Session& session, const FetchedTarget& t) {
  const Flags& f = session.flags();
  auto introspected = selector_for_expose(t.info, t.object);
  if (!introspected) throw CommandError("cannot expose a " + group_kind(t.info));
  Json selector = Json::object();
  if (f.given("selector")) {
    selector = parse_label_spec(f.str("selector"));
  } else {
    for (const auto& [k, v] : *introspected) selector[k] = v;
  }
  std::vector<std::pair<std::int64_t, std::string>> ports;
  if (!f.str("port").empty()) {
    ports.push_back({parse_go_int(f.str("port")), ""});
  } else {
    ports = ports_for_expose(t.info, t.object);
    if (ports.empty()) throw CommandError("couldn't find port via --port flag or introspection");
  }
  Json labels = f.given("labels") ? parse_label_spec(f.str("labels")) : t.object["metadata"].value("labels", Json::object());
  Json service_ports = Json::array();
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const auto& [number, protocol] = ports[i];
    Json p = Json::object();
    if (ports.size() > 1) p["name"] = "port-" + std::to_string(i + 1);
    p["port"] = number;
    p["protocol"] = !f.str("protocol").empty() ? f.str("protocol") : protocol.empty() ? "TCP" : protocol;
    if (!f.str("target-port").empty()) {
      const std::string target = f.str("target-port");
      bool numeric = std::all_of(target.begin(), target.end(), ::isdigit);
      p["targetPort"] = numeric ? Json(std::stoll(target)) : Json(target);
    } else {
      p["targetPort"] = number;
    }
    service_ports.push_back(p);
  }
  Json spec = {{"ports", service_ports}, {"selector", selector}};
  if (!f.str("type").empty()) spec["type"] = f.str("type");
  if (!f.str("external-ip").empty()) spec["externalIPs"] = Json::array({f.str("external-ip")});
  if (!f.str("load-balancer-ip").empty()) spec["loadBalancerIP"] = f.str("load-balancer-ip");
  if (!f.str("session-affinity").empty()) spec["sessionAffinity"] = f.str("session-affinity");
  if (!f.str("cluster-ip").empty()) spec["clusterIP"] = f.str("cluster-ip");
  Json metadata = {{"name", f.str("name").empty() ? t.name : f.str("name")}, {"creationTimestamp", nullptr}};
  if (!labels.empty()) metadata["labels"] = labels;
  Json service = {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", metadata}, {"spec", spec},
                  {"status", {{"loadBalancer", Json::object()}}}};
  if (!f.str("overrides").empty()) service = apply_overrides(service, f.str("overrides"), f.str("override-type"));
  return service;
}

int run_expose(Session& session) {
  const Flags& f = session.flags();
  std::string mode = dry_run_mode(f);
  if (f.given("output")) check_output_format(f.str("output"));
  auto services = session.mapper().resource_for_kind("v1", "Service");
  int rc = 0;
  for (const auto& t : fetch_targets(session, f.positional())) {
    try {
      if (t.error) throw *t.error;
      Json result = submit_generated(session, service_for(session, t), services.gvr, mode, true);
      print_result(session, result, services, "exposed", mode);
    } catch (const std::exception& e) {
      rc = report_error(e, std::cerr);
    }
  }
  return rc;
}

// ---- autoscale ---------------------------------------------------------------------------

void add_autoscale_flags(Flags& flags) {
  add_generated_flags(flags, "kubectl-autoscale");
  flags.add("min", 0, true, "-1");
  flags.add("max", 0, true, "-1");
  flags.add("cpu-percent", 0, true, "-1");
}

int run_autoscale(Session& session) {
  const Flags& f = session.flags();
  if (!f.given("max")) throw CommandError("required flag(s) \"max\" not set");
  const std::int64_t min = f.integer("min"), max = f.integer("max"), cpu = f.integer("cpu-percent");
  if (max < 1) throw CommandError("--max=MAXPODS is required and must be at least 1, max: " + std::to_string(max));
  if (max < min)
    throw CommandError("--max=MAXPODS must be larger or equal to --min=MINPODS, max: " + std::to_string(max) +
                       ", min: " + std::to_string(min));
  std::string mode = dry_run_mode(f);
  if (f.given("output")) check_output_format(f.str("output"));
  auto hpas = session.mapper().resource_for_kind("autoscaling/v2", "HorizontalPodAutoscaler");
  int rc = 0;
  for (const auto& t : fetch_targets(session, f.positional())) {
    try {
      if (t.error) throw *t.error;
      if (std::find(t.info.subresources.begin(), t.info.subresources.end(), "scale") == t.info.subresources.end()) {
        throw CommandError("cannot autoscale a " + t.info.kind + ": could not find scale subresource for " +
                           t.info.gvr.api_version().insert(0, t.info.gvr.group.empty() ? "/" : "") +
                           ", Resource=" + t.info.gvr.resource + " in discovery information");
      }
      const std::string name = f.str("name").empty() ? t.name : f.str("name");
      Json target = {{"apiVersion", t.info.gvr.api_version()}, {"kind", t.info.kind}, {"name", t.name}};
      Json spec = {{"scaleTargetRef", target}, {"maxReplicas", max}};
      if (min > 0) spec["minReplicas"] = min;
      if (cpu >= 0) {
        spec["metrics"] = Json::array({{{"type", "Resource"},
                                        {"resource", {{"name", "cpu"}, {"target", {{"type", "Utilization"}, {"averageUtilization", cpu}}}}}}});
      }
      Json hpa = {{"apiVersion", "autoscaling/v2"},
                  {"kind", "HorizontalPodAutoscaler"},
                  {"metadata", {{"name", name}, {"creationTimestamp", nullptr}}},
                  {"spec", spec},
                  {"status", {{"currentMetrics", nullptr}, {"desiredReplicas", 0}}}};
      Json result;
      try {
        result = submit_generated(session, hpa, hpas.gvr, mode, false);
      } catch (const client::ApiError&) {
        // kubectl retries any failure with the autoscaling/v1 form and reports that answer.
        Json v1_spec = {{"scaleTargetRef", target}, {"maxReplicas", max}};
        if (min > 0) v1_spec["minReplicas"] = min;
        if (cpu >= 0) v1_spec["targetCPUUtilizationPercentage"] = cpu;
        Json v1 = {{"apiVersion", "autoscaling/v1"},
                   {"kind", "HorizontalPodAutoscaler"},
                   {"metadata", {{"name", name}, {"creationTimestamp", nullptr}}},
                   {"spec", v1_spec},
                   {"status", {{"currentReplicas", 0}, {"desiredReplicas", 0}}}};
        result = submit_generated(session, v1, {"autoscaling", "v1", "horizontalpodautoscalers"}, mode, false);
      }
      print_result(session, result, hpas, "autoscaled", mode);
    } catch (const std::exception& e) {
      rc = report_error(e, std::cerr);
    }
  }
  return rc;
}

}  // namespace

std::vector<CommandDef> expose_commands() {
  return {
      {"expose", add_expose_flags, run_expose},
      {"autoscale", add_autoscale_flags, run_autoscale},
  };
}

}  // namespace k3s::kubectl
