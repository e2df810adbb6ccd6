// Authentication (a chain of authenticators, x509 client certificates built in) and
// authorization (system:masters, then the Node authorizer, then RBAC over the
// Role/ClusterRole/binding caches).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "apiserver/apiserver.h"
#include "node_authorizer.h"
#include "watch_cache.h"

namespace k3s::apiserver {

class AuthenticatorChain {
 public:
  void add(Authenticator a) { chain_.push_back(std::move(a)); }
  // nullopt = anonymous (the caller answers 401).
  std::optional<UserInfo> authenticate(const http::Request& request) const;

 private:
  std::vector<Authenticator> chain_;
};

struct Attributes {
  UserInfo user;
  std::string verb;
  bool resource_request = false;
  std::string group, resource, subresource, ns, name;
  std::string path;  // non-resource requests
  std::string field_selector;  // list/watch: the fieldSelector parameter as sent
};

// Whether one of `rules` (PolicyRules) grants the request.
bool rules_allow(const Json& rules, const Attributes& a);

// Where RBAC reads its objects: the four watch caches (nullptr until available).
struct RbacSources {
  WatchCache* cluster_roles = nullptr;
  WatchCache* cluster_role_bindings = nullptr;
  WatchCache* roles = nullptr;
  WatchCache* role_bindings = nullptr;
};

class Authorizer {
 public:
  Authorizer(RbacSources sources, NodeGraphSources node_sources) : sources_(sources), node_(node_sources) {}
  // `reason`, when given, receives why an authorizer that judged the request turned it down.
  bool allowed(const Attributes& attributes, std::string* reason = nullptr) const;
  // The rules granted to `user` by cluster bindings and by role bindings in `ns`
  // (SelfSubjectRulesReview, `kubectl auth can-i --list`).
  std::vector<Json> applicable_rules(const UserInfo& user, const std::string& ns) const;

 private:
  // Calls `visit` with each bound role's rules until it returns true (then returns true).
  bool visit_rules(const UserInfo& user, const std::string& ns, const std::function<bool(const Json&)>& visit) const;
  bool subject_matches(const Json& subjects, const UserInfo& user, const std::string& binding_ns) const;
  const Json* role_rules(const Json& role_ref, const std::string& binding_ns, CachedPtr& keep) const;
  RbacSources sources_;
  NodeAuthorizer node_;
};

}  // namespace k3s::apiserver
