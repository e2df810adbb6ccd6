// describe node: roles, taints, the node's Lease, conditions, addresses, capacity, system
// info, and the requests and limits of the pods running on it against its allocatable.
#include <algorithm>
#include <set>

#include "describe.h"
#include "object/quantity.h"

namespace k3s::kubectl::describe {
namespace {

using object::Quantity;

Quantity quantity_of(const Json& list, const std::string& name) {
  if (!list.is_object() || !list.contains(name)) return Quantity();
  try {
    return Quantity::from_json(list[name]);
  } catch (const object::QuantityError&) {
    return Quantity();
  }
}

// Node roles from the node-role.kubernetes.io/<role> labels and kubernetes.io/role.
std::string roles_of(const Json& node) {
  std::set<std::string> roles;
  for (const auto& [k, v] : object::labels_of(node)) {
    const std::string prefix = "node-role.kubernetes.io/";
    if (k.rfind(prefix, 0) == 0 && k.size() > prefix.size()) roles.insert(k.substr(prefix.size()));
    else if (k == "kubernetes.io/role" && !v.empty()) roles.insert(v);
  }
  std::string out;
  for (const auto& r : roles) out += (out.empty() ? "" : ",") + r;
  return out.empty() ? "<none>" : out;
}

void taints(Writer& w, Json list) {
  if (!list.is_array() || list.empty()) {
    w.field(0, "Taints", "<none>");
    return;
  }
  // kubectl orders taints by effect, then key.
  std::stable_sort(list.begin(), list.end(), [](const Json& a, const Json& b) {
    return str_of(a, "effect") + "," + str_of(a, "key") < str_of(b, "effect") + "," + str_of(b, "key");
  });
  bool first = true;
  for (const auto& t : list) {
    std::string text = str_of(t, "key");
    if (!str_of(t, "value").empty()) text += "=" + str_of(t, "value");
    text += ":" + str_of(t, "effect");
    w.line(0, (first ? "Taints:\t" : "\t") + text);
    first = false;
  }
}

void lease(Session& session, Writer& w, const std::string& node) {
  Json l;
  try {
    l = session.api().get(client::resources::kLeases, "kube-node-lease", node);
  } catch (const client::ApiError& e) {
    std::string message = e.what();
    if (e.is_not_found()) message = "leases.coordination.k8s.io \"" + node + "\" not found";
    w.field(0, "Lease", "Failed to get lease: " + message);
    return;
  }
  const Json spec = field_of(l, "spec");
  auto or_unset = [](const std::string& v) { return v.empty() ? std::string("<unset>") : v; };
  w.line(0, "Lease:");
  w.field(1, "HolderIdentity", or_unset(str_of(spec, "holderIdentity")));
  std::string acquire = str_of(spec, "acquireTime"), renew = str_of(spec, "renewTime");
  w.field(1, "AcquireTime", acquire.empty() ? "<unset>" : rfc1123(acquire));
  w.field(1, "RenewTime", renew.empty() ? "<unset>" : rfc1123(renew));
}

void resource_list(Writer& w, const char* title, const Json& list) {
  if (!list.is_object() || list.empty()) return;
  w.line(0, std::string(title) + ":");
  for (const auto& [name, v] : list.items()) {
    w.field(1, name, quantity_of(list, name).to_string());
  }
}

// What a pod asks for: the sum over its containers, at least each init container's own
// amount, plus the pod overhead (kubectl's PodRequestsAndLimits).
std::pair<std::map<std::string, Quantity>, std::map<std::string, Quantity>> pod_requests_and_limits(const Json& pod) {
  std::map<std::string, Quantity> requests, limits;
  const Json spec = field_of(pod, "spec");
  auto add_container = [](std::map<std::string, Quantity>& into, const Json& list) {
    if (!list.is_object()) return;
    for (const auto& [name, v] : list.items()) into[name] += quantity_of(list, name);
  };
  for (const auto& c : spec.value("containers", Json::array())) {
    add_container(requests, field_of(field_of(c, "resources"), "requests"));
    add_container(limits, field_of(field_of(c, "resources"), "limits"));
  }
  auto max_with = [](std::map<std::string, Quantity>& into, const Json& list) {
    if (!list.is_object()) return;
    for (const auto& [name, v] : list.items()) {
      Quantity q = quantity_of(list, name);
      if (!into.count(name) || into[name] < q) into[name] = q;
    }
  };
  for (const auto& c : spec.value("initContainers", Json::array())) {
    max_with(requests, field_of(field_of(c, "resources"), "requests"));
    max_with(limits, field_of(field_of(c, "resources"), "limits"));
  }
  const Json overhead = field_of(spec, "overhead");
  for (const auto& [name, v] : overhead.items()) {
    requests[name] += quantity_of(overhead, name);
    if (limits.count(name)) limits[name] += quantity_of(overhead, name);
  }
  return {requests, limits};
}

// `guarded`: the totals print 0% without an allocatable amount; each pod's row divides
// anyway, and Go turns the resulting NaN or infinity into the smallest int64.
std::string percent(const Quantity& q, const Quantity& total, bool milli, bool guarded = true) {
  long long whole = milli ? total.milli_value() : total.value();
  if (whole == 0) return guarded ? "0" : "-9223372036854775808";
  double part = milli ? static_cast<double>(q.milli_value()) : static_cast<double>(q.value());
  return std::to_string(static_cast<long long>(part / static_cast<double>(whole) * 100));
}

void node_resources(Session& session, Writer& w, const Json& node) {
  std::string selector = "spec.nodeName=" + object::name_of(node) + ",status.phase!=Succeeded,status.phase!=Failed";
  Json pods;
  try {
    pods = session.api().list(client::resources::kPods, "", {.field_selector = selector}).value("items", Json::array());
  } catch (const client::ApiError&) {
    return;
  }
  const Json status = field_of(node, "status");
  Json allocatable = field_of(status, "allocatable");
  if (allocatable.empty()) allocatable = field_of(status, "capacity");
  const Quantity cpu_total = quantity_of(allocatable, "cpu"), memory_total = quantity_of(allocatable, "memory"),
                 storage_total = quantity_of(allocatable, "ephemeral-storage");
  w.field(0, "Non-terminated Pods", "(" + std::to_string(pods.size()) + " in total)");
  w.line(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge");
  w.line(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---");
  std::map<std::string, Quantity> total_requests, total_limits;
  for (const auto& p : pods) {
    auto [requests, limits] = pod_requests_and_limits(p);
    for (const auto& [k, q] : requests) total_requests[k] += q;
    for (const auto& [k, q] : limits) total_limits[k] += q;
    auto cell = [](std::map<std::string, Quantity>& m, const char* name, const Quantity& total, bool milli) {
      const Quantity q = m[name];
      return q.to_string() + " (" + percent(q, total, milli, false) + "%)";
    };
    w.line(1, object::namespace_of(p) + "\t" + object::name_of(p) + "\t\t" + cell(requests, "cpu", cpu_total, true) + "\t" +
                  cell(limits, "cpu", cpu_total, true) + "\t" + cell(requests, "memory", memory_total, false) + "\t" +
                  cell(limits, "memory", memory_total, false) + "\t" + age_since(str_of(field_of(p, "metadata"), "creationTimestamp")));
  }
  w.line(0, "Allocated resources:");
  w.line(0, "  (Total limits may be over 100 percent, i.e., overcommitted.)");
  w.line(1, "Resource\tRequests\tLimits");
  w.line(1, "--------\t--------\t------");
  auto row = [&](const char* name, const Quantity& total, bool milli) {
    const Quantity r = total_requests[name], l = total_limits[name];
    w.line(1, std::string(name) + "\t" + r.to_string() + " (" + percent(r, total, milli) + "%)\t" + l.to_string() + " (" +
                  percent(l, total, milli) + "%)");
  };
  row("cpu", cpu_total, true);
  row("memory", memory_total, false);
  row("ephemeral-storage", storage_total, false);
  // Huge pages and extended resources the node offers (the latter without percentages).
  for (const auto& [name, v] : allocatable.items()) {
    if (name.rfind("hugepages-", 0) == 0) {
      row(name.c_str(), quantity_of(allocatable, name), false);
    } else if (name.find('/') != std::string::npos && name.rfind("kubernetes.io/", 0) != 0 &&
               name.rfind("requests.", 0) != 0) {
      w.line(1, name + "\t" + total_requests[name].to_string() + "\t" + total_limits[name].to_string());
    }
  }
}

}  // namespace

std::string node(Session& session, const Json& o) {
  Writer w;
  const Json meta = field_of(o, "metadata"), spec = field_of(o, "spec"), status = field_of(o, "status");
  w.field(0, "Name", str_of(meta, "name"));
  w.field(0, "Roles", roles_of(o));
  w.map(0, "Labels", object::labels_of(o));
  w.annotations(0, "Annotations", object::annotations_of(o));
  w.field(0, "CreationTimestamp", rfc1123(str_of(meta, "creationTimestamp")));
  taints(w, spec.value("taints", Json::array()));
  w.field(0, "Unschedulable", spec.value("unschedulable", false) ? "true" : "false");
  lease(session, w, str_of(meta, "name"));
  auto conditions = status.value("conditions", Json::array());
  if (!conditions.empty()) {
    w.line(0, "Conditions:");
    w.line(1, "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage");
    w.line(1, "----\t------\t-----------------\t------------------\t------\t-------");
    auto time = [](const std::string& t) { return t.empty() ? std::string("Mon, 01 Jan 0001 00:00:00 +0000") : rfc1123(t); };
    for (const auto& c : conditions) {
      w.line(1, str_of(c, "type") + " \t" + str_of(c, "status") + " \t" + time(str_of(c, "lastHeartbeatTime")) + " \t" +
                    time(str_of(c, "lastTransitionTime")) + " \t" + str_of(c, "reason") + " \t" + str_of(c, "message"));
    }
  }
  w.line(0, "Addresses:");
  for (const auto& a : status.value("addresses", Json::array())) w.field(1, str_of(a, "type"), str_of(a, "address"));
  resource_list(w, "Capacity", field_of(status, "capacity"));
  resource_list(w, "Allocatable", field_of(status, "allocatable"));
  const Json info = field_of(status, "nodeInfo");
  w.line(0, "System Info:");
  for (const auto& [key, title] : std::vector<std::pair<const char*, const char*>>{
           {"machineID", "Machine ID"}, {"systemUUID", "System UUID"}, {"bootID", "Boot ID"},
           {"kernelVersion", "Kernel Version"}, {"osImage", "OS Image"}, {"operatingSystem", "Operating System"},
           {"architecture", "Architecture"}, {"containerRuntimeVersion", "Container Runtime Version"},
           {"kubeletVersion", "Kubelet Version"}, {"kubeProxyVersion", "Kube-Proxy Version"}}) {
    w.field(1, title, str_of(info, key));
  }
  if (!str_of(spec, "podCIDR").empty()) w.field(0, "PodCIDR", str_of(spec, "podCIDR"));
  auto cidrs = spec.value("podCIDRs", Json::array());
  if (!cidrs.empty()) {
    std::string text;
    for (const auto& c : cidrs) text += (text.empty() ? "" : ",") + c.get<std::string>();
    w.field(0, "PodCIDRs", text);
  }
  if (!str_of(spec, "providerID").empty()) w.field(0, "ProviderID", str_of(spec, "providerID"));
  node_resources(session, w, o);
  events_section(session, w, o, str_of(meta, "name"));
  return w.text();
}

}  // namespace k3s::kubectl::describe
