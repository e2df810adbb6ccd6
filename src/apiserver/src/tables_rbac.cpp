// rbac.authorization.k8s.io/v1 Table printers: Role, ClusterRole, RoleBinding, ClusterRoleBinding.
#include "tables_internal.h"
#include "util/strings.h"

namespace k3s::apiserver::tables {

namespace {

struct Subjects {
  std::vector<std::string> users, groups, service_accounts;
};

Subjects subjects_of(const Json& binding) {
  Subjects s;
  if (!binding.contains("subjects") || !binding["subjects"].is_array()) return s;
  for (const auto& sub : binding["subjects"]) {
    if (!sub.is_object()) continue;
    const std::string kind = sub.value("kind", ""), name = sub.value("name", "");
    if (kind == "User") s.users.push_back(name);
    else if (kind == "Group") s.groups.push_back(name);
    else if (kind == "ServiceAccount") s.service_accounts.push_back(sub.value("namespace", "") + "/" + name);
  }
  return s;
}

Row binding_row(const Json& o, const std::string& age) {
  auto s = subjects_of(o);
  const std::string role = str_or(o, "/roleRef/kind", "").get<std::string>() + "/" + str_or(o, "/roleRef/name", "").get<std::string>();
  return Row{object::name_of(o), role, age, util::join(s.users, ", "), util::join(s.groups, ", "),
             util::join(s.service_accounts, ", ")};
}

}  // namespace

void add_rbac_printers(PrinterMap& map) {
  // kube-apiserver has no printer for roles, so they get its default NAME / CREATED AT table.
  const std::vector<Column> role_columns{name_column(), created_at_column()};
  auto role_row = [](const Json& o, const std::string&, object::Timestamp) { return Row{object::name_of(o), created_at(o)}; };
  map["rbac.authorization.k8s.io/Role"] = {role_columns, role_row};
  map["rbac.authorization.k8s.io/ClusterRole"] = {role_columns, role_row};
  const std::vector<Column> binding_columns{name_column(),
                                            {"Role", "string", "", "Kind/name of the role bound.", 0},
                                            age_column(),
                                            {"Users", "string", "", "Users bound.", 1},
                                            {"Groups", "string", "", "Groups bound.", 1},
                                            {"ServiceAccounts", "string", "", "Service accounts bound (namespace/name).", 1}};
  auto row = [](const Json& o, const std::string& age, object::Timestamp) { return binding_row(o, age); };
  map["rbac.authorization.k8s.io/RoleBinding"] = {binding_columns, row};
  map["rbac.authorization.k8s.io/ClusterRoleBinding"] = {binding_columns, row};
}

}  // namespace k3s::apiserver::tables
