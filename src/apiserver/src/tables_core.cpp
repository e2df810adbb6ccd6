// core/v1 Table printers for cluster and configuration objects: Namespace, Node, ConfigMap,
// Secret, ServiceAccount, ResourceQuota and LimitRange.
#include <algorithm>

#include "tables_internal.h"
#include "util/strings.h"

namespace k3s::apiserver::tables {

namespace {

std::string node_roles(const Json& node) {
  std::vector<std::string> roles;
  for (const auto& [k, v] : object::labels_of(node)) {
    const std::string prefix = "node-role.kubernetes.io/";
    if (k.rfind(prefix, 0) == 0 && k.size() > prefix.size()) roles.push_back(k.substr(prefix.size()));
    else if (k == "kubernetes.io/role" && !v.empty()) roles.push_back(v);
  }
  std::sort(roles.begin(), roles.end());
  return roles.empty() ? "<none>" : util::join(roles, ",");
}

std::string node_status(const Json& node) {
  std::string status = "Unknown";
  for (const auto& c : node.value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("type", "") == "Ready") status = c.value("status", "") == "True" ? "Ready" : "NotReady";
  }
  if (node.value("spec", Json::object()).value("unschedulable", false)) status += ",SchedulingDisabled";
  return status;
}

Row node_row(const Json& o, const std::string& age) {
  std::string internal = "<none>", external = "<none>";
  for (const auto& ad : o.value("status", Json::object()).value("addresses", Json::array())) {
    if (ad.value("type", "") == "InternalIP" && internal == "<none>") internal = ad.value("address", "");
    if (ad.value("type", "") == "ExternalIP" && external == "<none>") external = ad.value("address", "");
  }
  return Row{object::name_of(o), node_status(o), node_roles(o), age,
             str_or(o, "/status/nodeInfo/kubeletVersion", ""), internal, external,
             str_or(o, "/status/nodeInfo/osImage", "<unknown>"), str_or(o, "/status/nodeInfo/kernelVersion", "<unknown>"),
             str_or(o, "/status/nodeInfo/containerRuntimeVersion", "<unknown>")};
}

struct QuotaCells {
  std::string requests, limits;
};

// "resource: used/hard" for each hard limit, sorted by resource name; "limits.*" resources go to
// the LIMIT column, all others to REQUEST.
QuotaCells quota_cells(const Json& quota) {
  std::vector<std::string> requests, limits;
  const Json used = object_at(quota, "/status/used");
  const Json hard_limits = object_at(quota, "/status/hard");
  for (const auto& [resource, hard] : hard_limits.items()) {
    const std::string text = resource + ": " + quantity_text(used.value(resource, Json()), "0") + "/" + quantity_text(hard, "0");
    const bool is_limit = resource.rfind("limits.", 0) == 0;
    (is_limit ? limits : requests).push_back(text);
  }
  return {util::join(requests, ", "), util::join(limits, ", ")};
}

}  // namespace

void add_core_printers(PrinterMap& map) {
  map["/Namespace"] = {{name_column(), {"Status", "string", "", "The status of the namespace", 0}, age_column()},
                       [](const Json& o, const std::string& age, object::Timestamp) {
                         return Row{object::name_of(o), str_or(o, "/status/phase", "Active"), age};
                       }};
  map["/Node"] = {{name_column(),
                   {"Status", "string", "", "The status of the node", 0},
                   {"Roles", "string", "", "The roles of the node", 0},
                   age_column(),
                   {"Version", "string", "", "Kubelet version of the node.", 0},
                   {"Internal-IP", "string", "", "Address of the node.", 1},
                   {"External-IP", "string", "", "Address of the node.", 1},
                   {"OS-Image", "string", "", "Operating system image of the node.", 1},
                   {"Kernel-Version", "string", "", "Kernel version of the node.", 1},
                   {"Container-Runtime", "string", "", "Container runtime version of the node.", 1}},
                  [](const Json& o, const std::string& age, object::Timestamp) { return node_row(o, age); }};
  map["/ConfigMap"] = {{name_column(), {"Data", "string", "", "Number of data entries.", 0}, age_column()},
                       [](const Json& o, const std::string& age, object::Timestamp) {
                         std::size_t n = o.value("data", Json::object()).size() + o.value("binaryData", Json::object()).size();
                         return Row{object::name_of(o), n, age};
                       }};
  map["/Secret"] = {{name_column(), {"Type", "string", "", "The type of the secret", 0},
                     {"Data", "string", "", "Number of data entries.", 0}, age_column()},
                    [](const Json& o, const std::string& age, object::Timestamp) {
                      return Row{object::name_of(o), o.value("type", std::string("Opaque")), o.value("data", Json::object()).size(), age};
                    }};
  map["/ServiceAccount"] = {{name_column(), {"Secrets", "string", "", "Number of secrets listed on the account.", 0}, age_column()},
                            [](const Json& o, const std::string& age, object::Timestamp) {
                              return Row{object::name_of(o), o.value("secrets", Json::array()).size(), age};
                            }};
  map["/ResourceQuota"] = {{name_column(),
                            {"Request", "string", "", "Used out of hard limit for each non-limits resource.", 0},
                            {"Limit", "string", "", "Used out of hard limit for each limits.* resource.", 0},
                            age_column()},
                           [](const Json& o, const std::string& age, object::Timestamp) {
                             auto cells = quota_cells(o);
                             return Row{object::name_of(o), cells.requests, cells.limits, age};
                           }};
  // kube-apiserver has no printer for limit ranges, so they get its default NAME / CREATED AT table.
  map["/LimitRange"] = {{name_column(), created_at_column()},
                        [](const Json& o, const std::string&, object::Timestamp) { return Row{object::name_of(o), created_at(o)}; }};
}

}  // namespace k3s::apiserver::tables
