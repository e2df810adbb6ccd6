// kubectl describe: the command, the small per-kind describers (configmaps, secrets,
// namespaces, services, priorityclasses) and kubectl's generic one for everything else;
// pods, nodes and workloads have describe_*.cpp of their own.
#include <chrono>
#include <ctime>
#include <iostream>

#include "commands.h"
#include "describe.h"
#include "object/meta.h"
#include "output.h"

namespace k3s::kubectl {
namespace {

using describe::Writer;
using describe::events_section;
using describe::field_of;

void add_describe_flags(Flags& flags) {
  add_file_flags(flags);
  flags.add("selector", 'l', true);
  flags.add("all-namespaces", 'A', false);
  flags.add("show-events", 0, false, "true");
  flags.add("chunk-size", 0, true, "500");
}

void header(Writer& w, const Json& o, bool namespaced) {
  w.field(0, "Name", object::name_of(o));
  if (namespaced) w.field(0, "Namespace", object::namespace_of(o));
}

std::string describe_configmap(Session& s, const Json& o) {
  Writer w;
  header(w, o, true);
  w.map(0, "Labels", object::labels_of(o));
  w.annotations(0, "Annotations", object::annotations_of(o));
  w.line(0, "");
  w.line(0, "Data");
  w.line(0, "====");
  const Json data_map = field_of(o, "data");
  for (const auto& [k, v] : data_map.items()) {
    w.line(0, k + ":");
    w.line(0, "----");
    w.line(0, v.get<std::string>());
    w.line(0, "");
  }
  w.line(0, "");
  w.line(0, "BinaryData");
  w.line(0, "====");
  const Json binaryData_map = field_of(o, "binaryData");
  for (const auto& [k, v] : binaryData_map.items()) {
    w.line(0, k + ": " + std::to_string(v.get<std::string>().size() / 4 * 3) + " bytes");
  }
  w.line(0, "");
  events_section(s, w, o);
  return w.text();
}

std::string describe_secret(Session&, const Json& o) {
  Writer w;
  header(w, o, true);
  w.map(0, "Labels", object::labels_of(o));
  w.annotations(0, "Annotations", object::annotations_of(o));
  w.line(0, "");
  w.field(0, "Type", o.value("type", ""));
  w.line(0, "");
  w.line(0, "Data");
  w.line(0, "====");
  const Json data_map = field_of(o, "data");
  for (const auto& [k, v] : data_map.items()) {
    std::string text = v.get<std::string>();
    std::size_t pad = 0;
    while (!text.empty() && text.back() == '=') {
      text.pop_back();
      ++pad;
    }
    std::size_t bytes = (text.size() + pad) / 4 * 3 - pad;
    w.field(0, k, std::to_string(bytes) + " bytes");
  }
  return w.text();
}

std::string describe_namespace(Session& s, const Json& o) {
  Writer w;
  header(w, o, false);
  w.map(0, "Labels", object::labels_of(o));
  w.annotations(0, "Annotations", object::annotations_of(o));
  w.field(0, "Status", o.value("status", Json::object()).value("phase", ""));
  auto quotas = s.api().list(client::resources::kResourceQuotas, object::name_of(o)).value("items", Json::array());
  w.line(0, "");
  if (quotas.empty()) {
    w.line(0, "No resource quota.");
  } else {
    w.line(0, "Resource Quotas");
    for (const auto& q : quotas) {
      w.field(1, "Name", object::name_of(q));
      w.line(1, "Resource\tUsed\tHard");
      w.line(1, "--------\t---\t---");
      auto hard = q.value("status", Json::object()).value("hard", q.value("spec", Json::object()).value("hard", Json::object()));
      auto used = q.value("status", Json::object()).value("used", Json::object());
      for (const auto& [k, v] : hard.items()) {
        w.line(1, k + "\t" + (used.contains(k) ? used[k].get<std::string>() : "0") + "\t" + v.get<std::string>());
      }
    }
  }
  w.line(0, "");
  auto limits = s.api().list(client::resources::kLimitRanges, object::name_of(o)).value("items", Json::array());
  w.line(0, limits.empty() ? "No LimitRange resource." : "Resource Limits");
  return w.text();
}

std::string port_text(const Json& p) {
  return std::to_string(p.value("port", 0)) + "/" + p.value("protocol", "TCP");
}

std::string target_port_text(const Json& p) {
  Json t = p.value("targetPort", Json());
  std::string v = t.is_number() ? std::to_string(t.get<long long>()) : t.is_string() ? t.get<std::string>() : std::to_string(p.value("port", 0));
  return v + "/" + p.value("protocol", "TCP");
}

std::string describe_service(Session& s, const Json& o) {
  Writer w;
  const Json spec = o.value("spec", Json::object());
  header(w, o, true);
  w.map(0, "Labels", object::labels_of(o));
  w.annotations(0, "Annotations", object::annotations_of(o));
  std::string selector;
  const Json selector_map = field_of(spec, "selector");
  for (const auto& [k, v] : selector_map.items()) selector += (selector.empty() ? "" : ",") + k + "=" + v.get<std::string>();
  w.field(0, "Selector", selector.empty() ? "<none>" : selector);
  w.field(0, "Type", spec.value("type", ""));
  if (spec.contains("ipFamilyPolicy")) w.field(0, "IP Family Policy", spec.value("ipFamilyPolicy", ""));
  if (spec.contains("ipFamilies")) {
    std::string f;
    for (const auto& x : spec["ipFamilies"]) f += (f.empty() ? "" : ",") + x.get<std::string>();
    w.field(0, "IP Families", f);
  }
  if (spec.value("type", "") != "ExternalName") {
    w.field(0, "IP", spec.value("clusterIP", ""));
    std::string ips;
    for (const auto& x : spec.value("clusterIPs", Json::array())) ips += (ips.empty() ? "" : ",") + x.get<std::string>();
    if (!ips.empty()) w.field(0, "IPs", ips);
  } else {
    w.field(0, "External Name", spec.value("externalName", ""));
  }
  Json endpoints;
  try {
    endpoints = s.api().get(client::resources::kEndpoints, object::namespace_of(o), object::name_of(o));
  } catch (const client::ApiError&) {
  }
  for (const auto& p : spec.value("ports", Json::array())) {
    std::string name = p.value("name", "");
    w.field(0, "Port", (name.empty() ? "<unset>" : name) + "  " + port_text(p));
    w.field(0, "TargetPort", target_port_text(p));
    if (p.contains("nodePort")) w.field(0, "NodePort", (name.empty() ? "<unset>" : name) + "  " + std::to_string(p.value("nodePort", 0)) + "/" + p.value("protocol", "TCP"));
    std::string eps;
    for (const auto& subset : endpoints.is_object() ? endpoints.value("subsets", Json::array()) : Json::array()) {
      for (const auto& a : subset.value("addresses", Json::array())) {
        for (const auto& sp : subset.value("ports", Json::array())) {
          if (sp.value("name", "") == name) eps += (eps.empty() ? "" : ",") + a.value("ip", "") + ":" + std::to_string(sp.value("port", 0));
        }
      }
    }
    // An Endpoints object with no ready address prints empty; only a missing one is <none>.
    w.field(0, "Endpoints", endpoints.is_object() ? eps : (eps.empty() ? "<none>" : eps));
  }
  w.field(0, "Session Affinity", spec.value("sessionAffinity", "None"));
  if (spec.contains("externalTrafficPolicy")) w.field(0, "External Traffic Policy", spec.value("externalTrafficPolicy", ""));
  if (spec.contains("internalTrafficPolicy")) w.field(0, "Internal Traffic Policy", spec.value("internalTrafficPolicy", ""));
  events_section(s, w, o);
  return w.text();
}

std::string describe_priorityclass(Session& s, const Json& o) {
  Writer w;
  w.field(0, "Name", object::name_of(o));
  w.field(0, "Value", std::to_string(o.value("value", 0LL)));
  w.field(0, "GlobalDefault", o.value("globalDefault", false) ? "true" : "false");
  w.field(0, "PreemptionPolicy", o.value("preemptionPolicy", ""));
  w.field(0, "Description", o.value("description", ""));
  w.annotations(0, "Annotations", object::annotations_of(o));
  events_section(s, w, o);
  return w.text();
}

// "creationTimestamp" -> "Creation Timestamp", "uid" -> "UID", "apiVersion" -> "API Version".
std::string field_title(const std::string& name) {
  static const std::vector<std::pair<std::string, std::string>> words = {{"uid", "UID"}, {"api", "API"}, {"ip", "IP"}, {"url", "URL"}, {"id", "ID"}, {"dns", "DNS"}, {"tls", "TLS"}, {"cidr", "CIDR"}};
  std::vector<std::string> parts;
  std::string cur;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool upper = std::isupper(static_cast<unsigned char>(c));
    bool next_lower = i + 1 < name.size() && std::islower(static_cast<unsigned char>(name[i + 1]));
    bool prev_upper = i > 0 && std::isupper(static_cast<unsigned char>(name[i - 1]));
    if (upper && !cur.empty() && (!prev_upper || next_lower)) {
      parts.push_back(cur);
      cur.clear();
    }
    cur += c;
  }
  if (!cur.empty()) parts.push_back(cur);
  std::string out;
  for (auto& p : parts) {
    std::string lower;
    for (char c : p) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string word = p;
    for (const auto& [k, v] : words) {
      if (lower == k) word = v;
    }
    if (word == p) word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
    out += (out.empty() ? "" : " ") + word;
  }
  return out;
}

std::string scalar_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "<nil>";
  return v.dump();
}

void generic_value(Writer& w, int level, const std::string& key, const Json& v) {
  if (v.is_object()) {
    w.line(level, key + ":");
    for (const auto& [k, x] : v.items()) generic_value(w, level + 1, field_title(k), x);
  } else if (v.is_array()) {
    w.line(level, key + ":");
    for (const auto& x : v) {
      if (x.is_object()) {
        bool first = true;
        for (const auto& [k, y] : x.items()) {
          if (y.is_object() || y.is_array()) {
            generic_value(w, level + 1, (first ? "" : "  ") + field_title(k), y);
          } else {
            w.line(level + 1, std::string(first ? "" : "  ") + field_title(k) + ":\t" + scalar_text(y));
          }
          first = false;
        }
      } else {
        w.line(level + 1, scalar_text(x));
      }
    }
  } else {
    w.field(level, key, scalar_text(v));
  }
}

std::string describe_generic(Session& s, const Json& o, const client::ResourceInfo& info) {
  Writer w;
  header(w, o, info.namespaced);
  if (!info.namespaced) w.field(0, "Namespace", "");
  w.map(0, "Labels", object::labels_of(o));
  w.annotations(0, "Annotations", object::annotations_of(o));
  w.field(0, "API Version", o.value("apiVersion", ""));
  w.field(0, "Kind", o.value("kind", ""));
  Json meta = o.value("metadata", Json::object());
  for (const char* skip : {"name", "namespace", "labels", "annotations", "managedFields"}) meta.erase(skip);
  generic_value(w, 0, "Metadata", meta);
  for (const auto& [k, v] : o.items()) {
    if (k == "apiVersion" || k == "kind" || k == "metadata") continue;
    generic_value(w, 0, field_title(k), v);
  }
  events_section(s, w, o);
  return w.text();
}

std::string describe_one(Session& s, const Json& o, const client::ResourceInfo& info) {
  const std::string& r = info.gvr.resource;
  const std::string& g = info.gvr.group;
  if (g.empty() && r == "configmaps") return describe_configmap(s, o);
  if (g.empty() && r == "secrets") return describe_secret(s, o);
  if (g.empty() && r == "namespaces") return describe_namespace(s, o);
  if (g.empty() && r == "services") return describe_service(s, o);
  if (g.empty() && r == "pods") return describe::pod(s, o);
  if (g.empty() && r == "nodes") return describe::node(s, o);
  if (g.empty() && r == "replicationcontrollers") return describe::replication_controller(s, o);
  if (g == "apps" && r == "deployments") return describe::deployment(s, o);
  if (g == "apps" && r == "replicasets") return describe::replica_set(s, o);
  if (g == "scheduling.k8s.io" && r == "priorityclasses") return describe_priorityclass(s, o);
  return describe_generic(s, o, info);
}

int run_describe(Session& session) {
  const Flags& f = session.flags();
  auto targets = resolve_targets(session, f.positional());
  if (targets.empty()) {
    throw CommandError("You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.");
  }
  std::string ns = session.all_namespaces() ? "" : session.namespace_();
  std::vector<std::string> texts;
  int rc = 0;
  for (const auto& t : targets) {
    std::string target_ns = t.info.namespaced ? ns : "";
    std::vector<Json> objects;
    if (t.names.empty()) {
      for (auto& o : session.api().list(t.info.gvr, target_ns, {.label_selector = f.str("selector")}).value("items", Json::array())) {
        objects.push_back(o);
      }
    } else {
      for (const auto& n : t.names) {
        try {
          objects.push_back(session.api().get(t.info.gvr, target_ns, n));
        } catch (const client::ApiError& e) {
          if (!e.is_not_found()) throw;
          // kubectl falls back to a prefix match before giving up.
          bool found = false;
          for (auto& o : session.api().list(t.info.gvr, target_ns).value("items", Json::array())) {
            if (object::name_of(o).rfind(n, 0) == 0) {
              objects.push_back(o);
              found = true;
            }
          }
          if (!found) {
            std::cerr << api_error_text(e) << "\n";
            rc = 1;
          }
        }
      }
    }
    for (const auto& o : objects) texts.push_back(describe_one(session, o, t.info));
  }
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (i) std::cout << "\n\n";
    std::cout << texts[i];
  }
  if (texts.empty() && rc == 0) {
    if (session.all_namespaces()) std::cerr << "No resources found\n";
    else std::cerr << "No resources found in " << session.namespace_() << " namespace.\n";
  }
  return rc;
}

}  // namespace

std::vector<CommandDef> describe_commands() { return {{"describe", add_describe_flags, run_describe}}; }

}  // namespace k3s::kubectl
