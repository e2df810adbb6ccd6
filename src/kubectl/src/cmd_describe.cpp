// kubectl describe: per-kind describers (configmaps, secrets, namespaces, services,
// deployments, priorityclasses) and kubectl's generic one for everything else, laid out
// with Go's tabwriter as kubectl's describers are, with the Events section.
#include <chrono>
#include <ctime>
#include <iostream>

#include "commands.h"
#include "object/meta.h"
#include "output.h"

namespace k3s::kubectl {
namespace {

// A field of an object as a value the caller owns (range-for over items() of a temporary
// would dangle).
Json field_of(const Json& o, const char* key) {
  auto it = o.find(key);
  return it == o.end() || it->is_null() ? Json::object() : *it;
}

void add_describe_flags(Flags& flags) {
  add_file_flags(flags);
  flags.add("selector", 'l', true);
  flags.add("all-namespaces", 'A', false);
  flags.add("show-events", 0, false, "true");
  flags.add("chunk-size", 0, true, "500");
}

// Lines at nesting levels, cells separated by tabs (kubectl's PrefixWriter).
class Writer {
 public:
  void line(int level, const std::string& text) { out_ += std::string(static_cast<std::size_t>(level) * 2, ' ') + text + "\n"; }
  void field(int level, const std::string& name, const std::string& value) { line(level, name + ":\t" + value); }
  // A map of strings: first entry on the field line, the rest aligned below.
  void map(int level, const std::string& name, const object::StringMap& values, const std::string& separator = "=") {
    if (values.empty()) {
      field(level, name, "<none>");
      return;
    }
    bool first = true;
    for (const auto& [k, v] : values) {
      if (first) field(level, name, k + separator + v);
      else line(level, "\t" + k + separator + v);
      first = false;
    }
  }
  std::string text() const { return go_tabwriter(out_, 0, 2); }
  std::string& raw() { return out_; }

 private:
  std::string out_;
};

std::string human_age(std::chrono::seconds age) {
  long long s = age.count();
  if (s < 0) return "<invalid>";
  if (s < 120) return std::to_string(s) + "s";
  long long m = s / 60;
  if (m < 10) return std::to_string(m) + "m" + (s % 60 ? std::to_string(s % 60) + "s" : "");
  if (m < 180) return std::to_string(m) + "m";
  long long h = m / 60;
  if (h < 8) return std::to_string(h) + "h" + (m % 60 ? std::to_string(m % 60) + "m" : "");
  if (h < 48) return std::to_string(h) + "h";
  long long d = h / 24;
  if (d < 8) return std::to_string(d) + "d" + (h % 24 ? std::to_string(h % 24) + "h" : "");
  if (d < 365 * 2) return std::to_string(d) + "d";
  return std::to_string(d / 365) + "y";
}

// "Sun, 22 Nov 2026 13:37:23 +0000" (RFC 1123 with numeric zone, UTC).
std::string rfc1123(const std::string& rfc3339) {
  auto t = object::parse_time(rfc3339);
  if (!t) return rfc3339;
  std::time_t tt = std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(*t));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

void events_section(Session& session, Writer& w, const Json& object) {
  if (!session.flags().boolean("show-events")) return;
  std::string selector = "involvedObject.name=" + object::name_of(object);
  if (!object::namespace_of(object).empty()) selector += ",involvedObject.namespace=" + object::namespace_of(object);
  if (!object::uid_of(object).empty()) selector += ",involvedObject.uid=" + object::uid_of(object);
  Json events;
  try {
    events = session.api().list(client::resources::kEvents, object::namespace_of(object), {.field_selector = selector});
  } catch (const client::ApiError&) {
    events = Json::object();
  }
  auto items = events.value("items", Json::array());
  if (items.empty()) {
    w.field(0, "Events", "<none>");
    return;
  }
  w.line(0, "Events:");
  w.line(1, "Type\tReason\tAge\tFrom\tMessage");
  w.line(1, "----\t------\t----\t----\t-------");
  auto now = object::now();
  for (const auto& e : items) {
    std::string first = e.value("firstTimestamp", Json()).is_string() ? e["firstTimestamp"].get<std::string>() : e.value("eventTime", Json()).is_string() ? e["eventTime"].get<std::string>() : "";
    std::string last = e.value("lastTimestamp", Json()).is_string() ? e["lastTimestamp"].get<std::string>() : first;
    auto age_of = [&](const std::string& t) {
      auto p = object::parse_time(t);
      return p ? human_age(std::chrono::duration_cast<std::chrono::seconds>(now - *p)) : std::string("<unknown>");
    };
    std::string age = age_of(last);
    long long count = e.value("count", 1LL);
    if (count > 1) age += " (x" + std::to_string(count) + " over " + age_of(first) + ")";
    std::string from = e.value("source", Json::object()).value("component", "");
    if (from.empty()) from = e.value("reportingComponent", "");
    std::string host = e.value("source", Json::object()).value("host", "");
    if (!host.empty()) from += ", " + host;
    std::string message = e.value("message", "");
    while (!message.empty() && message.back() == '\n') message.pop_back();
    w.line(1, e.value("type", "") + "\t" + e.value("reason", "") + "\t" + age + "\t" + from + "\t" + message);
  }
}

void header(Writer& w, const Json& o, bool namespaced) {
  w.field(0, "Name", object::name_of(o));
  if (namespaced) w.field(0, "Namespace", object::namespace_of(o));
}

std::string describe_configmap(Session& s, const Json& o) {
  Writer w;
  header(w, o, true);
  w.map(0, "Labels", object::labels_of(o));
  w.map(0, "Annotations", object::annotations_of(o), ": ");
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
  w.map(0, "Annotations", object::annotations_of(o), ": ");
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
  w.map(0, "Annotations", object::annotations_of(o), ": ");
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
  w.map(0, "Annotations", object::annotations_of(o), ": ");
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

void describe_pod_template(Writer& w, const Json& tmpl) {
  w.line(0, "Pod Template:");
  w.map(1, "Labels", object::labels_of(tmpl));
  auto annotations = object::annotations_of(tmpl);
  if (!annotations.empty()) w.map(1, "Annotations", annotations, ": ");
  const Json spec = tmpl.value("spec", Json::object());
  if (spec.contains("serviceAccountName")) w.field(1, "Service Account", spec.value("serviceAccountName", ""));
  w.line(1, "Containers:");
  for (const auto& c : spec.value("containers", Json::array())) {
    w.line(0, "   " + c.value("name", "") + ":");
    w.field(2, "Image", c.value("image", ""));
    auto ports = c.value("ports", Json::array());
    if (ports.empty()) {
      w.field(2, "Port", "<none>");
      w.field(2, "Host Port", "<none>");
    } else {
      std::string p, hp;
      for (const auto& x : ports) {
        p += (p.empty() ? "" : ", ") + std::to_string(x.value("containerPort", 0)) + "/" + x.value("protocol", "TCP");
        hp += (hp.empty() ? "" : ", ") + std::to_string(x.value("hostPort", 0)) + "/" + x.value("protocol", "TCP");
      }
      w.field(2, "Port", p);
      w.field(2, "Host Port", hp);
    }
    if (c.contains("command")) {
      w.line(2, "Command:");
      for (const auto& x : c["command"]) w.line(3, x.get<std::string>());
    }
    if (c.contains("args")) {
      w.line(2, "Args:");
      for (const auto& x : c["args"]) w.line(3, x.get<std::string>());
    }
    auto env = c.value("env", Json::array());
    if (env.empty()) {
      w.field(2, "Environment", "<none>");
    } else {
      w.line(2, "Environment:");
      for (const auto& e : env) w.field(3, e.value("name", ""), e.value("value", ""));
    }
    auto mounts = c.value("volumeMounts", Json::array());
    if (mounts.empty()) {
      w.field(2, "Mounts", "<none>");
    } else {
      w.line(2, "Mounts:");
      for (const auto& m : mounts) {
        w.line(3, m.value("mountPath", "") + " from " + m.value("name", "") + (m.value("readOnly", false) ? " (ro)" : " (rw)"));
      }
    }
  }
  auto volumes = spec.value("volumes", Json::array());
  if (volumes.empty()) w.field(1, "Volumes", "<none>");
  else {
    w.line(1, "Volumes:");
    for (const auto& v : volumes) w.line(2, v.value("name", "") + ":");
  }
  std::string selectors;
  const Json nodeSelector_map = field_of(spec, "nodeSelector");
  for (const auto& [k, v] : nodeSelector_map.items()) selectors += (selectors.empty() ? "" : ",") + k + "=" + v.get<std::string>();
  w.field(1, "Node-Selectors", selectors.empty() ? "<none>" : selectors);
  w.field(1, "Tolerations", spec.value("tolerations", Json::array()).empty() ? "<none>" : spec["tolerations"].dump());
}

std::string describe_deployment(Session& s, const Json& o) {
  Writer w;
  const Json spec = o.value("spec", Json::object()), status = o.value("status", Json::object());
  header(w, o, true);
  w.field(0, "CreationTimestamp", rfc1123(o["metadata"].value("creationTimestamp", "")));
  w.map(0, "Labels", object::labels_of(o));
  w.map(0, "Annotations", object::annotations_of(o), ": ");
  std::string selector;
  const Json match_labels = field_of(field_of(spec, "selector"), "matchLabels");
  for (const auto& [k, v] : match_labels.items()) selector += (selector.empty() ? "" : ",") + k + "=" + v.get<std::string>();
  w.field(0, "Selector", selector);
  long long replicas = spec.value("replicas", 1LL);
  w.field(0, "Replicas", std::to_string(replicas) + " desired | " + std::to_string(status.value("updatedReplicas", 0)) +
                             " updated | " + std::to_string(status.value("replicas", 0)) + " total | " +
                             std::to_string(status.value("availableReplicas", 0)) + " available | " +
                             std::to_string(status.value("unavailableReplicas", 0)) + " unavailable");
  std::string strategy = spec.value("strategy", Json::object()).value("type", "");
  w.field(0, "StrategyType", strategy);
  w.field(0, "MinReadySeconds", std::to_string(spec.value("minReadySeconds", 0)));
  if (strategy == "RollingUpdate") {
    auto ru = spec["strategy"].value("rollingUpdate", Json::object());
    auto text = [](const Json& v) { return v.is_string() ? v.get<std::string>() : v.is_number() ? std::to_string(v.get<long long>()) : std::string("25%"); };
    w.field(0, "RollingUpdateStrategy", text(ru.value("maxUnavailable", Json("25%"))) + " max unavailable, " + text(ru.value("maxSurge", Json("25%"))) + " max surge");
  }
  describe_pod_template(w, spec.value("template", Json::object()));
  auto conditions = status.value("conditions", Json::array());
  if (!conditions.empty()) {
    w.line(0, "Conditions:");
    w.line(1, "Type\tStatus\tReason");
    w.line(1, "----\t------\t------");
    for (const auto& c : conditions) w.line(1, c.value("type", "") + " \t" + c.value("status", "") + "\t" + c.value("reason", ""));
  }
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
  w.map(0, "Annotations", object::annotations_of(o), ": ");
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
  w.map(0, "Annotations", object::annotations_of(o), ": ");
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
  if (g == "apps" && r == "deployments") return describe_deployment(s, o);
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
