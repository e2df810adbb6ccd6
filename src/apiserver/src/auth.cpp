#include "auth.h"

#include <algorithm>

namespace k3s::apiserver {

std::optional<UserInfo> AuthenticatorChain::authenticate(const http::Request& request) const {
  // A client certificate wins over any bearer token sent beside it, as in kube-apiserver.
  // The TLS layer verified it against the client CA.
  if (request.peer.verified && !request.peer.common_name.empty()) {
    UserInfo user{request.peer.common_name, "", request.peer.organizations, {}};
    user.groups.push_back("system:authenticated");
    return user;
  }
  for (const auto& a : chain_) {
    if (auto user = a(request)) return user;
  }
  return std::nullopt;
}

namespace {

bool contains_or_star(const Json& list, const std::string& value) {
  if (!list.is_array()) return false;
  for (const auto& v : list) {
    if (!v.is_string()) continue;
    const auto& s = v.get_ref<const std::string&>();
    if (s == "*" || s == value) return true;
  }
  return false;
}

bool resource_matches(const Json& resources, const std::string& resource, const std::string& sub) {
  if (!resources.is_array()) return false;
  std::string combined = sub.empty() ? resource : resource + "/" + sub;
  for (const auto& v : resources) {
    if (!v.is_string()) continue;
    const auto& s = v.get_ref<const std::string&>();
    if (s == "*" || s == combined) return true;
    if (!sub.empty() && s == "*/" + sub) return true;
  }
  return false;
}

bool url_matches(const Json& urls, const std::string& path) {
  if (!urls.is_array()) return false;
  for (const auto& v : urls) {
    if (!v.is_string()) continue;
    const auto& s = v.get_ref<const std::string&>();
    if (s == "*" || s == path) return true;
    if (!s.empty() && s.back() == '*' && path.compare(0, s.size() - 1, s, 0, s.size() - 1) == 0) return true;
  }
  return false;
}

}  // namespace

bool rules_allow(const Json& rules, const Attributes& a) {
  if (!rules.is_array()) return false;
  for (const auto& rule : rules) {
    if (!rule.is_object()) continue;
    if (!contains_or_star(rule.value("verbs", Json::array()), a.verb)) continue;
    if (a.resource_request) {
      if (!contains_or_star(rule.value("apiGroups", Json::array()), a.group)) continue;
      if (!resource_matches(rule.value("resources", Json::array()), a.resource, a.subresource)) continue;
      const Json names = rule.value("resourceNames", Json::array());
      if (!names.empty() && !contains_or_star(names, a.name)) continue;
      return true;
    }
    if (url_matches(rule.value("nonResourceURLs", Json::array()), a.path)) return true;
  }
  return false;
}

bool Authorizer::subject_matches(const Json& subjects, const UserInfo& user, const std::string& binding_ns) const {
  if (!subjects.is_array()) return false;
  for (const auto& s : subjects) {
    std::string kind = s.value("kind", "");
    std::string name = s.value("name", "");
    if (kind == "User" && name == user.name) return true;
    if (kind == "Group" && std::find(user.groups.begin(), user.groups.end(), name) != user.groups.end()) return true;
    if (kind == "ServiceAccount") {
      std::string ns = s.value("namespace", binding_ns);
      if (user.name == "system:serviceaccount:" + ns + ":" + name) return true;
    }
  }
  return false;
}

const Json* Authorizer::role_rules(const Json& role_ref, const std::string& binding_ns, CachedPtr& keep) const {
  std::string kind = role_ref.value("kind", "");
  std::string name = role_ref.value("name", "");
  if (kind == "ClusterRole" && sources_.cluster_roles)
    keep = sources_.cluster_roles->get("", name);
  else if (kind == "Role" && sources_.roles)
    keep = sources_.roles->get(binding_ns, name);
  if (!keep || !keep->object.contains("rules")) return nullptr;
  return &keep->object["rules"];
}

bool Authorizer::visit_rules(const UserInfo& user, const std::string& ns,
                             const std::function<bool(const Json&)>& visit) const {
  if (sources_.cluster_role_bindings) {
    auto bindings = sources_.cluster_role_bindings->list({}, 0, "");
    for (const auto& b : bindings.items) {
      if (!subject_matches(b->object.value("subjects", Json::array()), user, "")) continue;
      CachedPtr role;
      const Json* rules = role_rules(b->object.value("roleRef", Json::object()), "", role);
      if (rules && visit(*rules)) return true;
    }
  }
  if (!ns.empty() && sources_.role_bindings) {
    ObjectFilter in_ns;
    in_ns.ns = ns;
    auto bindings = sources_.role_bindings->list(in_ns, 0, "");
    for (const auto& b : bindings.items) {
      if (!subject_matches(b->object.value("subjects", Json::array()), user, ns)) continue;
      CachedPtr role;
      const Json* rules = role_rules(b->object.value("roleRef", Json::object()), ns, role);
      if (rules && visit(*rules)) return true;
    }
  }
  return false;
}

bool Authorizer::allowed(const Attributes& a, std::string* reason) const {
  const auto& groups = a.user.groups;
  if (std::find(groups.begin(), groups.end(), "system:masters") != groups.end()) return true;
  std::string node_reason;
  if (node_.allowed(a, node_reason)) return true;
  if (visit_rules(a.user, a.resource_request ? a.ns : "", [&](const Json& rules) { return rules_allow(rules, a); }))
    return true;
  if (reason) *reason = node_reason;
  return false;
}

std::vector<Json> Authorizer::applicable_rules(const UserInfo& user, const std::string& ns) const {
  std::vector<Json> out;
  // The Node authorizer's fixed rules; what it grants through a node's pods is per object.
  if (!node_identity(user).empty())
    for (const auto& r : NodeAuthorizer::rules()) out.push_back(r);
  visit_rules(user, ns, [&](const Json& rules) {
    if (rules.is_array())
      for (const auto& r : rules) out.push_back(r);
    return false;
  });
  return out;
}

}  // namespace k3s::apiserver
