// apply --prune: after applying, delete the objects of the allowlisted types that match the
// selector, carry the last-applied annotation (were applied by kubectl before) and were not
// part of this apply.
#include <ctime>
#include <iostream>
#include <set>
#include <tuple>

#include <unistd.h>

#include "commands.h"
#include "object/meta.h"

namespace k3s::kubectl {
namespace {

constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

// kubectl's default allowlist, in its order: namespaced types first, then cluster-scoped ones.
const std::vector<std::string>& default_allowlist() {
  static const std::vector<std::string> list = {
      "core/v1/ConfigMap",   "core/v1/Endpoints",  "core/v1/PersistentVolumeClaim",
      "core/v1/Pod",         "core/v1/ReplicationController", "core/v1/Secret",
      "core/v1/Service",     "batch/v1/Job",       "batch/v1/CronJob",
      "networking.k8s.io/v1/Ingress", "apps/v1/DaemonSet", "apps/v1/Deployment",
      "apps/v1/ReplicaSet",  "apps/v1/StatefulSet", "core/v1/Namespace",
      "core/v1/PersistentVolume"};
  return list;
}

// klog's prefix, as kubectl's deprecation warning carries it.
std::string klog_warning_prefix(const char* where) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "W%m%d %H:%M:%S.000000", &tm);
  return std::string(buf) + " " + std::to_string(::getpid()) + " " + where + "] ";
}

}  // namespace

std::vector<client::ResourceInfo> prune_types(Session& session) {
  const Flags& f = session.flags();
  if (!f.boolean("prune")) return {};
  if (!f.given("selector") && !f.boolean("all")) {
    throw CommandError("all resources selected for prune without explicitly passing --all. To prune all resources, "
                       "pass the --all flag. If you did not mean to prune all resources, specify a label selector");
  }
  std::vector<std::string> names = f.list("prune-allowlist");
  if (names.empty()) {
    names = default_allowlist();
    if (session.namespace_explicit()) {
      std::cerr << klog_warning_prefix("prune.go:71")
                << "Deprecated: kubectl apply will no longer prune non-namespaced resources by default when used "
                   "with the --namespace flag in a future release. To preserve the current behaviour, list the "
                   "resources you want to target explicitly in the --prune-allowlist flag.\n";
    }
  }
  std::vector<client::ResourceInfo> out;
  for (const auto& name : names) {
    auto first = name.find('/'), last = name.rfind('/');
    if (first == std::string::npos || first == last) {
      throw CommandError("invalid GroupVersionKind format: " + name + ", please follow <group/version/kind>");
    }
    std::string group = name.substr(0, first);
    if (group == "core") group.clear();
    std::string version = name.substr(first + 1, last - first - 1);
    std::string api_version = group.empty() ? version : group + "/" + version;
    auto info = session.mapper().find_kind(api_version, name.substr(last + 1));
    if (!info) throw CommandError("no matches for kind \"" + name.substr(last + 1) + "\" in version \"" + api_version + "\"");
    out.push_back(*info);
  }
  return out;
}

int prune_unapplied(Session& session, const std::vector<client::ResourceInfo>& types,
                    const std::vector<AppliedObject>& applied, const std::string& mode) {
  const Flags& f = session.flags();
  std::set<std::tuple<std::string, std::string, std::string>> visited;  // resource, namespace, name
  std::set<std::string> namespaces;
  for (const auto& a : applied) {
    std::string ns = a.info.namespaced ? object::namespace_of(a.object) : "";
    visited.insert({a.info.gvr.group_resource(), ns, object::name_of(a.object)});
    if (a.info.namespaced) namespaces.insert(ns);
  }
  if (namespaces.empty()) namespaces.insert(session.namespace_());
  client::DeleteOptions options;
  options.propagation_policy = "Background";
  if (mode == "server") options.dry_run = {"All"};
  for (const auto& type : types) {
    std::vector<std::string> scopes = type.namespaced ? std::vector<std::string>(namespaces.begin(), namespaces.end())
                                                      : std::vector<std::string>{""};
    for (const auto& ns : scopes) {
      Json list = session.api().list(type.gvr, ns, {.label_selector = f.str("selector")});
      for (const auto& item : list.value("items", Json::array())) {
        std::string name = object::name_of(item);
        if (!object::annotation(item, kLastApplied)) continue;
        if (visited.count({type.gvr.group_resource(), type.namespaced ? ns : "", name})) continue;
        if (mode != "client") session.api().remove(type.gvr, ns, name, options);
        if (f.str("output") == "name") std::cout << display_name(type, name) << "\n";
        else std::cout << display_name(type, name) << " pruned" << dry_run_suffix(mode) << "\n";
      }
    }
  }
  return 0;
}

}  // namespace k3s::kubectl
