#include "tables.h"

#include <sstream>

#include "tables_internal.h"

#include "object/meta.h"
#include "util/strings.h"

namespace k3s::apiserver {

namespace {

using tables::Column;
using tables::Row;
using tables::int_at;
using tables::selector_text;
using tables::str_or;
using Printer = std::function<Row(const Json& obj, const std::string& age)>;

using util::join;

std::string age_of(const Json& obj, std::chrono::system_clock::time_point now) {
  auto created = object::creation_timestamp_of(obj);
  if (!created) return "<unknown>";
  auto age = std::chrono::duration_cast<std::chrono::seconds>(now - std::chrono::time_point_cast<std::chrono::seconds>(*created));
  return human_duration(age);
}

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

std::string service_ports(const Json& svc) {
  std::vector<std::string> parts;
  for (const auto& p : svc.value("spec", Json::object()).value("ports", Json::array())) {
    std::string s = std::to_string(p.value("port", 0));
    if (p.contains("nodePort")) s += ":" + std::to_string(p.value("nodePort", 0));
    s += "/" + p.value("protocol", std::string("TCP"));
    parts.push_back(s);
  }
  return parts.empty() ? "<none>" : join(parts, ",");
}

std::string external_ip(const Json& svc) {
  const Json spec = svc.value("spec", Json::object());
  std::string type = spec.value("type", "ClusterIP");
  std::vector<std::string> ips;
  for (const auto& ip : spec.value("externalIPs", Json::array()))
    if (ip.is_string()) ips.push_back(ip);
  if (type == "ExternalName") return spec.value("externalName", "<none>");
  if (type == "LoadBalancer") {
    for (const auto& ing : svc.value("status", Json::object()).value("loadBalancer", Json::object()).value("ingress", Json::array())) {
      if (ing.contains("ip")) ips.push_back(ing["ip"]);
      else if (ing.contains("hostname")) ips.push_back(ing["hostname"]);
    }
    return ips.empty() ? "<pending>" : join(ips, ",");
  }
  return ips.empty() ? "<none>" : join(ips, ",");
}

std::string node_roles(const Json& node) {
  std::vector<std::string> roles;
  for (const auto& [k, v] : object::labels_of(node)) {
    const std::string prefix = "node-role.kubernetes.io/";
    if (k.rfind(prefix, 0) == 0 && k.size() > prefix.size()) roles.push_back(k.substr(prefix.size()));
    else if (k == "kubernetes.io/role" && !v.empty()) roles.push_back(v);
  }
  std::sort(roles.begin(), roles.end());
  return roles.empty() ? "<none>" : join(roles, ",");
}

std::string node_status(const Json& node) {
  std::string status = "Unknown";
  for (const auto& c : node.value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("type", "") == "Ready") status = c.value("status", "") == "True" ? "Ready" : "NotReady";
  }
  if (node.value("spec", Json::object()).value("unschedulable", false)) status += ",SchedulingDisabled";
  return status;
}

struct TypePrinter {
  std::vector<Column> columns;
  Printer row;
  tables::RowFn timed_row;  // set for the per-group printers (tables_<group>.cpp)
};

TypePrinter printer_for(const ResourceType& type) {
  const Column name{"Name", "string", "name", "The object's name.", 0};
  const Column age{"Age", "string", "", "Time since the object was created.", 0};
  const std::string k = type.group + "/" + type.kind;
  if (const auto* p = tables::find_printer(k)) return {p->columns, nullptr, p->row};
  if (k == "/Namespace")
    return {{name, {"Status", "string", "", "The status of the namespace", 0}, age},
            [](const Json& o, const std::string& a) { return Row{object::name_of(o), str_or(o, "/status/phase", "Active"), a}; }};
  if (k == "/Pod")
    return {{name,
             {"Ready", "string", "", "Ready containers out of all containers.", 0},
             {"Status", "string", "", "Phase, or the reason a container is waiting or terminated.", 0},
             {"Restarts", "string", "", "Container restarts summed over the pod.", 0},
             age,
             {"IP", "string", "", "The pod's IP address.", 1},
             {"Node", "string", "", "The node the pod is bound to.", 1},
             {"Nominated Node", "string", "", "The node chosen for the pod while it waits for preemption.", 1},
             {"Readiness Gates", "string", "", "Readiness gates met out of those declared.", 1}},
            pod_row};
  if (k == "apps/Deployment")
    return {{name,
             {"Ready", "string", "", "Ready pods out of desired replicas.", 0},
             {"Up-to-date", "string", "", "Pods running the current template.", 0},
             {"Available", "string", "", "Pods available to serve.", 0},
             age,
             {"Containers", "string", "", "Container names of the pod template.", 1},
             {"Images", "string", "", "Images of the pod template.", 1},
             {"Selector", "string", "", "The label selector of the pods.", 1}},
            [](const Json& o, const std::string& a) {
              int64_t want = o.contains(Json::json_pointer("/spec/replicas")) ? int_at(o, "/spec/replicas") : 1;
              std::vector<std::string> names, images;
              for (const auto& c : o.value("spec", Json::object()).value("template", Json::object()).value("spec", Json::object()).value("containers", Json::array())) {
                names.push_back(c.value("name", ""));
                images.push_back(c.value("image", ""));
              }
              Json sel = o.value("spec", Json::object()).value("selector", Json::object()).value("matchLabels", Json::object());
              return Row{object::name_of(o), std::to_string(int_at(o, "/status/readyReplicas")) + "/" + std::to_string(want),
                         int_at(o, "/status/updatedReplicas"), int_at(o, "/status/availableReplicas"), a, join(names, ","),
                         join(images, ","), selector_text(sel)};
            }};
  if (k == "/Service")
    return {{name,
             {"Type", "string", "", "The type of the service.", 0},
             {"Cluster-IP", "string", "", "The cluster IP of the service.", 0},
             {"External-IP", "string", "", "The external IP of the service.", 0},
             {"Port(s)", "string", "", "The ports of the service.", 0},
             age,
             {"Selector", "string", "", "The selector of the service.", 1}},
            [](const Json& o, const std::string& a) {
              return Row{object::name_of(o), str_or(o, "/spec/type", "ClusterIP"), str_or(o, "/spec/clusterIP"), external_ip(o),
                         service_ports(o), a, selector_text(o.value("spec", Json::object()).value("selector", Json::object()))};
            }};
  if (k == "policy/PodDisruptionBudget")
    return {{name,
             {"Min Available", "string", "", "Pods that must stay available (absolute or percent).", 0},
             {"Max Unavailable", "string", "", "Pods that may be unavailable (absolute or percent).", 0},
             {"Allowed Disruptions", "integer", "", "Evictions allowed right now.", 0},
             age},
            [](const Json& o, const std::string& a) {
              const Json spec = o.value("spec", Json::object());
              auto int_or_string = [&](const char* field) -> std::string {
                if (!spec.contains(field) || spec[field].is_null()) return "N/A";
                return spec[field].is_string() ? spec[field].get<std::string>() : spec[field].dump();
              };
              return Row{object::name_of(o), int_or_string("minAvailable"), int_or_string("maxUnavailable"),
                         int_at(o, "/status/disruptionsAllowed"), a};
            }};
  if (k == "certificates.k8s.io/CertificateSigningRequest")
    return {{name, age,
             {"SignerName", "string", "", "Who is asked to sign.", 0},
             {"Requestor", "string", "", "Who asked.", 0},
             {"RequestedDuration", "string", "", "The validity asked for.", 0},
             {"Condition", "string", "", "Approved/Denied/Failed conditions, and Issued once signed.", 0}},
            [](const Json& o, const std::string& a) {
              std::vector<std::string> conditions;
              for (const auto& c : o.value("status", Json::object()).value("conditions", Json::array()))
                if (c.is_object() && c.value("status", "True") == "True") conditions.push_back(c.value("type", ""));
              if (o.contains(Json::json_pointer("/status/certificate")) &&
                  !str_or(o, "/status/certificate").empty())
                conditions.push_back("Issued");
              std::string duration = "<none>";
              if (o.contains(Json::json_pointer("/spec/expirationSeconds"))) {
                const int64_t seconds = int_at(o, "/spec/expirationSeconds");
                duration = seconds % 3600 == 0 ? std::to_string(seconds / 3600) + "h"
                           : seconds % 60 == 0 ? std::to_string(seconds / 60) + "m"
                                               : std::to_string(seconds) + "s";
              }
              return Row{object::name_of(o), a, str_or(o, "/spec/signerName"), str_or(o, "/spec/username"), duration,
                         conditions.empty() ? std::string("Pending") : join(conditions, ",")};
            }};
  if (k == "/ConfigMap")
    return {{name, {"Data", "integer", "", "Number of data entries.", 0}, age},
            [](const Json& o, const std::string& a) {
              std::size_t n = o.value("data", Json::object()).size() + o.value("binaryData", Json::object()).size();
              return Row{object::name_of(o), n, a};
            }};
  if (k == "/Secret")
    return {{name, {"Type", "string", "", "The type of the secret", 0}, {"Data", "integer", "", "Number of data entries.", 0}, age},
            [](const Json& o, const std::string& a) {
              return Row{object::name_of(o), o.value("type", std::string("Opaque")), o.value("data", Json::object()).size(), a};
            }};
  if (k == "/Node")
    return {{name,
             {"Status", "string", "", "The status of the node", 0},
             {"Roles", "string", "", "The roles of the node", 0},
             age,
             {"Version", "string", "", "Kubelet version of the node.", 0},
             {"Internal-IP", "string", "", "Address of the node.", 1},
             {"External-IP", "string", "", "Address of the node.", 1},
             {"OS-Image", "string", "", "Operating system image of the node.", 1},
             {"Kernel-Version", "string", "", "Kernel version of the node.", 1},
             {"Container-Runtime", "string", "", "Container runtime version of the node.", 1}},
            [](const Json& o, const std::string& a) {
              std::string internal = "<none>", external = "<none>";
              for (const auto& ad : o.value("status", Json::object()).value("addresses", Json::array())) {
                if (ad.value("type", "") == "InternalIP" && internal == "<none>") internal = ad.value("address", "");
                if (ad.value("type", "") == "ExternalIP" && external == "<none>") external = ad.value("address", "");
              }
              return Row{object::name_of(o), node_status(o), node_roles(o), a,
                         str_or(o, "/status/nodeInfo/kubeletVersion", ""), internal, external,
                         str_or(o, "/status/nodeInfo/osImage", "<unknown>"), str_or(o, "/status/nodeInfo/kernelVersion", "<unknown>"),
                         str_or(o, "/status/nodeInfo/containerRuntimeVersion", "<unknown>")};
            }};
  if (k == "/Event" || k == "events.k8s.io/Event") {
    const bool core = k == "/Event";
    return {{{"Last Seen", "string", "", "Time since the event was last seen.", 0},
             {"Type", "string", "", "Normal or Warning.", 0},
             {"Reason", "string", "", "Short machine-readable cause.", 0},
             {"Object", "string", "", "The object the event is about.", 0},
             {"Message", "string", "", "What happened.", 0},
             {"Count", "integer", "", "How often the event was seen.", 1},
             {"Name", "string", "name", "The event's name.", 1}},
            [core](const Json& o, const std::string& a) {
              const Json& regarding = core ? o.value("involvedObject", Json::object()) : o.value("regarding", Json::object());
              std::string kind = regarding.value("kind", "");
              for (auto& ch : kind) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
              std::string last = a;
              for (const char* field : {"lastTimestamp", "eventTime", "deprecatedLastTimestamp"}) {
                if (o.contains(field) && o[field].is_string() && !o[field].get<std::string>().empty()) {
                  Json stamp = {{"metadata", {{"creationTimestamp", o[field]}}}};
                  last = age_of(stamp, std::chrono::system_clock::now());
                  break;
                }
              }
              std::string message = core ? o.value("message", "") : o.value("note", "");
              int64_t count = core ? o.value("count", 1) : o.value("deprecatedCount", 1);
              return Row{last, o.value("type", ""), o.value("reason", ""), kind + "/" + regarding.value("name", ""), message,
                         count, object::name_of(o)};
            }};
  }
  if (k == "/ServiceAccount")
    return {{name, {"Secrets", "integer", "", "Number of secrets listed on the account.", 0}, age},
            [](const Json& o, const std::string& a) { return Row{object::name_of(o), o.value("secrets", Json::array()).size(), a}; }};
  if (k == "apps/ReplicaSet")
    return {{name, {"Desired", "integer", "", "Number of desired pods.", 0}, {"Current", "integer", "", "Number of actually running pods.", 0},
             {"Ready", "integer", "", "Number of ready pods.", 0}, age},
            [](const Json& o, const std::string& a) {
              int64_t want = o.contains(Json::json_pointer("/spec/replicas")) ? int_at(o, "/spec/replicas") : 1;
              return Row{object::name_of(o), want, int_at(o, "/status/replicas"), int_at(o, "/status/readyReplicas"), a};
            }};
  if (k == "/Endpoints")
    return {{name, {"Endpoints", "string", "", "Addresses and ports of the endpoints.", 0}, age},
            [](const Json& o, const std::string& a) {
              std::vector<std::string> eps;
              for (const auto& s : o.value("subsets", Json::array()))
                for (const auto& ad : s.value("addresses", Json::array()))
                  for (const auto& p : s.value("ports", Json::array()))
                    eps.push_back(ad.value("ip", "") + ":" + std::to_string(p.value("port", 0)));
              return Row{object::name_of(o), eps.empty() ? std::string("<none>") : join(eps, ","), a};
            }};
  if (k == "coordination.k8s.io/Lease")
    return {{name, {"Holder", "string", "", "The holder of the lease.", 0}, age},
            [](const Json& o, const std::string& a) { return Row{object::name_of(o), str_or(o, "/spec/holderIdentity", ""), a}; }};
  return {{name, age}, [](const Json& o, const std::string& a) { return Row{object::name_of(o), a}; }};
}

}  // namespace


namespace tables {

const KindPrinter* find_printer(const std::string& key) {
  static const PrinterMap map = [] {
    PrinterMap m;
    add_apps_printers(m);
    add_batch_printers(m);
    add_rbac_printers(m);
    add_node_printers(m);
    return m;
  }();
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

}  // namespace tables

std::string human_duration(std::chrono::seconds age) {
  int64_t seconds = age.count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  int64_t minutes = seconds / 60;
  if (minutes < 10) {
    int64_t s = seconds % 60;
    return s == 0 ? std::to_string(minutes) + "m" : std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  int64_t hours = minutes / 60;
  if (hours < 8) {
    int64_t m = minutes % 60;
    return m == 0 ? std::to_string(hours) + "h" : std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    int64_t h = hours % 24;
    return h == 0 ? std::to_string(hours / 24) + "d" : std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    int64_t dy = (hours / 24) % 365;
    return dy == 0 ? std::to_string(hours / 24 / 365) + "y" : std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

Json partial_object_metadata(const Json& object) {
  return {{"kind", "PartialObjectMetadata"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", object.value("metadata", Json::object())}};
}

Json build_table(const ResourceType& type, const std::vector<const Json*>& objects, IncludeObject include,
                 Json list_metadata, std::chrono::system_clock::time_point now) {
  auto printer = printer_for(type);
  Json columns = Json::array();
  for (const auto& c : printer.columns)
    columns.push_back({{"name", c.name}, {"type", c.type}, {"format", c.format}, {"description", c.description},
                       {"priority", c.priority}});
  Json rows = Json::array();
  for (const Json* obj : objects) {
    const std::string age = age_of(*obj, now);
    Json row = {{"cells", printer.timed_row ? printer.timed_row(*obj, age, std::chrono::time_point_cast<std::chrono::microseconds>(now))
                                            : printer.row(*obj, age)}};
    if (include == IncludeObject::object)
      row["object"] = *obj;
    else if (include == IncludeObject::metadata)
      row["object"] = partial_object_metadata(*obj);
    rows.push_back(std::move(row));
  }
  return {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", std::move(list_metadata)},
          {"columnDefinitions", columns}, {"rows", rows}};
}

}  // namespace k3s::apiserver
