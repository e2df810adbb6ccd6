#include "impersonation.h"

#include <algorithm>

#include "auth.h"
#include "status.h"

namespace k3s::apiserver {

namespace {

constexpr std::string_view kUserHeader = "Impersonate-User";
constexpr std::string_view kGroupHeader = "Impersonate-Group";
constexpr std::string_view kUidHeader = "Impersonate-Uid";
constexpr std::string_view kExtraPrefix = "impersonate-extra-";
constexpr std::string_view kServiceAccountPrefix = "system:serviceaccount:";

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

void require(const Authorizer& authorizer, const UserInfo& actor, Attributes a) {
  a.user = actor;
  a.verb = "impersonate";
  a.resource_request = true;
  if (!authorizer.allowed(a)) throw forbidden(actor.name, a.verb, a.group, a.resource, a.subresource, a.ns, a.name);
}

void add_unique(std::vector<std::string>& groups, const std::string& group) {
  if (std::find(groups.begin(), groups.end(), group) == groups.end()) groups.push_back(group);
}

}  // namespace

UserInfo impersonated_user(const Authorizer& authorizer, const http::Request& request, const UserInfo& user) {
  const auto& headers = request.headers;
  const std::vector<std::string> groups = headers.get_all(kGroupHeader);
  const bool has_uid = headers.has(kUidHeader);
  std::map<std::string, std::vector<std::string>> extra;
  for (const auto& [name, value] : headers.fields()) {
    const std::string key = lower(name);
    if (key.size() > kExtraPrefix.size() && key.compare(0, kExtraPrefix.size(), kExtraPrefix) == 0)
      extra[http::percent_decode(key.substr(kExtraPrefix.size()), false)].push_back(value);
  }
  if (!headers.has(kUserHeader)) {
    if (groups.empty() && extra.empty() && !has_uid) return user;
    throw bad_request("requested impersonation of groups, extra or uid without impersonating a user");
  }
  const std::string name = headers.get(kUserHeader);
  if (name.empty()) throw bad_request("Impersonate-User: the user name is empty");

  UserInfo target{name, "", {}, {}};
  Attributes who;
  if (name.starts_with(kServiceAccountPrefix)) {
    const std::string rest = name.substr(kServiceAccountPrefix.size());
    const auto colon = rest.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size())
      throw bad_request("Impersonate-User: malformed service account name " + name);
    who.resource = "serviceaccounts";
    who.ns = rest.substr(0, colon);
    who.name = rest.substr(colon + 1);
    target.groups = {"system:serviceaccounts", "system:serviceaccounts:" + who.ns};
  } else {
    who.resource = "users";
    who.name = name;
  }
  require(authorizer, user, who);
  for (const auto& g : groups) {
    Attributes a;
    a.resource = "groups";
    a.name = g;
    require(authorizer, user, a);
    add_unique(target.groups, g);
  }
  if (has_uid) {
    Attributes a;
    a.group = "authentication.k8s.io";
    a.resource = "uids";
    a.name = headers.get(kUidHeader);
    require(authorizer, user, a);
    target.uid = a.name;
  }
  for (const auto& [key, values] : extra) {
    for (const auto& v : values) {
      Attributes a;
      a.group = "authentication.k8s.io";
      a.resource = "userextras";
      a.subresource = key;
      a.name = v;
      require(authorizer, user, a);
    }
    target.extra[key] = values;
  }
  // As kube: everyone but the anonymous user is in system:authenticated.
  if (name != "system:anonymous") add_unique(target.groups, "system:authenticated");
  return target;
}

}  // namespace k3s::apiserver
