// The Node authorizer (kube-apiserver's authorization mode "Node", ahead of RBAC): a kubelet
// identity (user system:node:<name>, group system:nodes) reads the secrets, configmaps,
// persistent volume claims and volumes, and service accounts only of pods bound to its node,
// its own Node, Lease and CSINode, the pods on its node, and otherwise what kube's
// system:node role lists. It allows or has no opinion; RBAC decides after it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "apiserver/apiserver.h"
#include "watch_cache.h"

namespace k3s::apiserver {

struct Attributes;

// The node a kubelet identity speaks for, "" for every other user.
std::string node_identity(const UserInfo& user);

// Where the authorizer finds the pods bound to a node and what they lead to (nullptr when the
// cache is missing: the graph-checked requests then get no opinion).
struct NodeGraphSources {
  WatchCache* pods = nullptr;
  WatchCache* persistent_volume_claims = nullptr;
  WatchCache* persistent_volumes = nullptr;
  WatchCache* volume_attachments = nullptr;
};

class NodeAuthorizer {
 public:
  explicit NodeAuthorizer(NodeGraphSources sources) : sources_(sources) {}
  // True = allowed. False = no opinion, with `reason` set when the request was one the Node
  // authorizer judges (kube's wording, appended to the 403).
  bool allowed(const Attributes& a, std::string& reason) const;
  // The fixed part: what every node may do beyond the object relationships (kube's
  // system:node rules without the resources checked against the node's pods).
  static const nlohmann::json& rules();

 private:
  bool referenced_by_node_pods(const std::string& node, const std::string& resource, const std::string& ns,
                               const std::string& name) const;
  bool pod_on_node(const std::string& node, const std::string& ns, const std::string& name) const;
  NodeGraphSources sources_;
};

}  // namespace k3s::apiserver
