#include "workloads.h"

#include <sstream>

#include "commands.h"

namespace k3s::kubectl {
namespace {

bool is(const client::ResourceInfo& info, const char* group, const char* kind) {
  return info.gvr.group == group && info.kind == kind;
}

bool kind_is(const Json& object, const char* group, const char* kind) {
  std::string api_version = object.value("apiVersion", "");
  auto slash = api_version.find('/');
  std::string g = slash == std::string::npos ? "" : api_version.substr(0, slash);
  return g == group && object.value("kind", "") == kind;
}

Json& member(Json& parent, const char* key) {
  if (!parent.contains(key) || !parent[key].is_object()) parent[key] = Json::object();
  return parent[key];
}

// Go's %v of a []LabelSelectorRequirement: "[{Key:tier Operator:In Values:[a b]}]".
std::string go_requirements(const Json& expressions) {
  std::string out = "[";
  bool first = true;
  for (const auto& e : expressions) {
    if (!first) out += " ";
    first = false;
    std::string values;
    for (const auto& v : e.value("values", Json::array())) values += (values.empty() ? "" : " ") + v.get<std::string>();
    out += "{Key:" + e.value("key", "") + " Operator:" + e.value("operator", "") + " Values:[" + values + "]}";
  }
  return out + "]";
}

std::map<std::string, std::string> string_map(const Json& value) {
  std::map<std::string, std::string> out;
  if (!value.is_object()) return out;
  for (const auto& [k, v] : value.items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

}  // namespace

Json* pod_spec_of(Json& object) {
  if (kind_is(object, "", "Pod")) return &member(object, "spec");
  if (kind_is(object, "", "ReplicationController") || kind_is(object, "apps", "Deployment") ||
      kind_is(object, "apps", "ReplicaSet") || kind_is(object, "apps", "DaemonSet") ||
      kind_is(object, "apps", "StatefulSet") || kind_is(object, "batch", "Job"))
    return &member(member(member(object, "spec"), "template"), "spec");
  if (kind_is(object, "batch", "CronJob"))
    return &member(member(member(member(member(object, "spec"), "jobTemplate"), "spec"), "template"), "spec");
  return nullptr;
}

std::string go_type_name(const client::ResourceInfo& info) {
  const std::string& g = info.gvr.group;
  const bool builtin = g.empty() || g.find('.') == std::string::npos || g.ends_with(".k8s.io");
  if (!builtin) return "*unstructured.Unstructured";
  return "*" + info.gvr.version + "." + info.kind;
}

std::string no_pod_template_error(const client::ResourceInfo& info, const std::string& name) {
  return info.gvr.resource + "/" + name + " the object is not a pod or does not have a pod template: " +
         go_type_name(info);
}

std::vector<Json*> all_containers(Json& pod_spec) {
  std::vector<Json*> out;
  for (const char* key : {"containers", "initContainers"}) {
    if (!pod_spec.contains(key) || !pod_spec[key].is_array()) continue;
    for (auto& c : pod_spec[key])
      if (c.is_object()) out.push_back(&c);
  }
  return out;
}

bool glob_match(const std::string& pattern, const std::string& name) {
  std::size_t p = 0, n = 0, star_p = std::string::npos, star_n = 0;
  auto class_match = [&](std::size_t& pi, char c) {
    // pattern[pi] == '['; advances pi past ']' and says whether c is in the class.
    std::size_t i = pi + 1;
    bool negate = i < pattern.size() && pattern[i] == '^';
    if (negate) ++i;
    bool found = false;
    bool first = true;
    while (i < pattern.size() && (first || pattern[i] != ']')) {
      first = false;
      char lo = pattern[i], hi = lo;
      if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
        hi = pattern[i + 2];
        i += 2;
      }
      if (c >= lo && c <= hi) found = true;
      ++i;
    }
    pi = i + 1;
    return found != negate;
  };
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_n = n;
      continue;
    }
    if (p < pattern.size()) {
      std::size_t next = p;
      bool ok = false;
      if (pattern[p] == '?') {
        ok = true;
        next = p + 1;
      } else if (pattern[p] == '[') {
        ok = class_match(next, name[n]);
      } else {
        ok = pattern[p] == name[n];
        next = p + 1;
      }
      if (ok) {
        p = next;
        ++n;
        continue;
      }
    }
    if (star_p == std::string::npos) return false;
    p = star_p + 1;
    n = ++star_n;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::optional<std::map<std::string, std::string>> selector_for_expose(const client::ResourceInfo& info,
                                                                     const Json& object) {
  const Json spec = object.value("spec", Json::object());
  if (is(info, "", "Pod")) return string_map(object.value("metadata", Json::object()).value("labels", Json::object()));
  if (is(info, "", "Service") || is(info, "", "ReplicationController"))
    return string_map(spec.value("selector", Json::object()));
  if (is(info, "apps", "Deployment") || is(info, "apps", "ReplicaSet")) {
    const Json selector = spec.value("selector", Json::object());
    const Json expressions = selector.value("matchExpressions", Json::array());
    if (!expressions.empty())
      throw CommandError("couldn't retrieve selectors via --selector flag or introspection: couldn't convert "
                         "expressions - \"" + go_requirements(expressions) + "\" to map-based selector format");
    return string_map(selector.value("matchLabels", Json::object()));
  }
  return std::nullopt;
}

std::vector<std::pair<std::int64_t, std::string>> ports_for_expose(const client::ResourceInfo& info,
                                                                  const Json& object) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  auto add = [&](const Json& port_number, const Json& protocol) {
    if (!port_number.is_number_integer()) return;
    std::int64_t number = port_number.get<std::int64_t>();
    for (const auto& [n, p] : out)
      if (n == number) return;
    out.push_back({number, protocol.is_string() ? protocol.get<std::string>() : "TCP"});
  };
  const Json spec = object.value("spec", Json::object());
  if (is(info, "", "Service")) {
    for (const auto& p : spec.value("ports", Json::array())) add(p.value("port", Json()), p.value("protocol", Json()));
    return out;
  }
  Json copy = object;
  Json* pod_spec = pod_spec_of(copy);
  if (!pod_spec) return out;
  for (const auto& c : pod_spec->value("containers", Json::array()))
    for (const auto& p : c.value("ports", Json::array())) add(p.value("containerPort", Json()), p.value("protocol", Json()));
  return out;
}

}  // namespace k3s::kubectl
