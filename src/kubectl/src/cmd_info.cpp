// kubectl version, api-resources, api-versions, cluster-info.
#include <algorithm>
#include <iostream>

#include "commands.h"
#include "object/yaml.h"
#include "output.h"
#include "util/strings.h"

namespace k3s::kubectl {
namespace {

// The kubectl release this implementation follows.
constexpr const char* kClientVersion = "v1.33.5";
constexpr const char* kKustomizeVersion = "v5.6.0";

void add_version_flags(Flags& flags) {
  flags.add("client", 0, false);
  flags.add("output", 'o', true);
}

Json client_version_info() {
  return {{"major", "1"},
          {"minor", "33"},
          {"gitVersion", kClientVersion},
          {"gitCommit", "k3s"},
          {"gitTreeState", "clean"},
          {"buildDate", "2025-09-10T00:00:00Z"},
          {"goVersion", "n/a"},
          {"compiler", "g++"},
          {"platform", "linux/amd64"}};
}

int run_version(Session& session) {
  const Flags& f = session.flags();
  std::string output = f.str("output");
  if (!output.empty() && output != "json" && output != "yaml") {
    throw CommandError("--output must be 'yaml' or 'json'");
  }
  Json doc = {{"clientVersion", client_version_info()}, {"kustomizeVersion", kKustomizeVersion}};
  std::string server_error;
  if (!f.boolean("client")) {
    try {
      auto r = session.api().raw("GET", "/version");
      if (r.status == 200) doc["serverVersion"] = Json::parse(r.body);
      else server_error = "the server could not find the requested resource";
    } catch (const client::TransportError& e) {
      server_error = transport_error_text(session.rest_config().server, e.what());
    }
  }
  if (output == "json") {
    std::cout << go_json(doc) << "\n";
  } else if (output == "yaml") {
    std::cout << object::to_yaml(doc);
  } else {
    std::cout << "Client Version: " << kClientVersion << "\n";
    std::cout << "Kustomize Version: " << kKustomizeVersion << "\n";
    if (doc.contains("serverVersion")) std::cout << "Server Version: " << doc["serverVersion"].value("gitVersion", "") << "\n";
  }
  if (!server_error.empty()) throw ExitError(server_error);
  return 0;
}

void add_api_resources_flags(Flags& flags) {
  flags.add("output", 'o', true);
  flags.add("no-headers", 0, false);
  flags.add("namespaced", 0, false, "true");
  flags.add("api-group", 0, true);
  flags.add("verbs", 0, true);
  flags.add("sort-by", 0, true);
  flags.add("cached", 0, false);
  flags.add("categories", 0, true);
}

using util::join;

int run_api_resources(Session& session) {
  const Flags& f = session.flags();
  std::string output = f.str("output");
  if (!output.empty() && output != "wide" && output != "name") {
    throw CommandError("--output " + output + " is not available");
  }
  auto resources = session.mapper().all_resources();
  std::vector<client::ResourceInfo> shown;
  for (const auto& r : resources) {
    if (!r.preferred_version) continue;
    if (f.given("api-group") && r.gvr.group != f.str("api-group")) continue;
    if (f.given("namespaced") && r.namespaced != f.boolean("namespaced")) continue;
    bool verbs_ok = true;
    for (const auto& v : f.list("verbs")) verbs_ok = verbs_ok && r.has_verb(v);
    if (!verbs_ok) continue;
    if (f.given("categories")) {
      bool all = true;
      for (const auto& c : f.list("categories")) {
        all = all && std::find(r.categories.begin(), r.categories.end(), c) != r.categories.end();
      }
      if (!all) continue;
    }
    shown.push_back(r);
  }
  std::string sort_by = f.str("sort-by");
  std::stable_sort(shown.begin(), shown.end(), [&](const auto& a, const auto& b) {
    if (sort_by == "name") return a.gvr.resource < b.gvr.resource;
    if (sort_by == "kind") return a.kind < b.kind;
    if (a.gvr.group != b.gvr.group) return a.gvr.group < b.gvr.group;
    return a.gvr.resource < b.gvr.resource;
  });
  if (output == "name") {
    for (const auto& r : shown) std::cout << r.gvr.group_resource() << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  bool wide = output == "wide";
  if (!f.boolean("no-headers")) {
    std::vector<std::string> header = {"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"};
    if (wide) {
      header.push_back("VERBS");
      header.push_back("CATEGORIES");
    }
    rows.push_back(header);
  }
  for (const auto& r : shown) {
    std::vector<std::string> row = {r.gvr.resource, join(r.short_names, ","), r.gvr.api_version(),
                                    r.namespaced ? "true" : "false", r.kind};
    if (wide) {
      row.push_back("[" + join(r.verbs, " ") + "]");
      row.push_back(join(r.categories, ","));
    }
    rows.push_back(row);
  }
  std::cout << tabulate(rows);
  return 0;
}

int run_api_versions(Session& session) {
  auto versions = session.mapper().api_versions();
  std::sort(versions.begin(), versions.end());
  for (const auto& v : versions) std::cout << v << "\n";
  return 0;
}

int run_cluster_info(Session& session) {
  std::string server = session.rest_config().server;
  // Reaching the server first gives kubectl's connection errors.
  auto services = session.api().list(client::resources::kServices, "kube-system",
                                     client::ListOptions{.label_selector = "kubernetes.io/cluster-service=true"});
  std::cout << "\x1b[0;32mKubernetes control plane\x1b[0m is running at \x1b[0;33m" << server << "\x1b[0m\n";
  for (const auto& svc : services.value("items", Json::array())) {
    auto meta = svc.value("metadata", Json::object());
    std::string name = meta.value("labels", Json::object()).value("kubernetes.io/name", meta.value("name", ""));
    auto ports = svc["spec"].value("ports", Json::array());
    std::string port_name;
    if (!ports.empty()) port_name = ports[0].value("name", "");
    std::string link = server + "/api/v1/namespaces/kube-system/services/" +
                       (port_name.empty() ? meta.value("name", "") : meta.value("name", "") + ":" + port_name) + "/proxy";
    std::cout << "\x1b[0;32m" << name << "\x1b[0m is running at \x1b[0;33m" << link << "\x1b[0m\n";
  }
  std::cout << "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n";
  return 0;
}

}  // namespace

std::vector<CommandDef> info_commands() {
  return {
      {"version", add_version_flags, run_version},
      {"api-resources", add_api_resources_flags, run_api_resources},
      {"api-versions", nullptr, run_api_versions},
      {"cluster-info", nullptr, run_cluster_info},
  };
}

}  // namespace k3s::kubectl
