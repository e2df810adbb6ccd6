// The ReplicaSet controller, also run for ReplicationControllers (kube's replication
// controller is the same code with a map selector): keeps `spec.replicas` active pods that
// match the selector, adopting orphans and releasing pods that no longer match.
#pragma once

#include <memory>
#include <string>

#include "controller.h"
#include "controller_utils.h"

namespace k3s::controllers::apps {

struct ReplicaSetKind {
  client::GroupVersionResource resource;
  std::string api_version;  // "apps/v1" | "v1"
  std::string kind;         // "ReplicaSet" | "ReplicationController"
  bool map_selector;        // RC: spec.selector is a plain label map
};

const ReplicaSetKind& replica_set_kind();
const ReplicaSetKind& replication_controller_kind();

class ReplicaSetController : public QueueController {
 public:
  ReplicaSetController(ControllerContext& context, const std::string& name, const ReplicaSetKind& kind);

  // kube's burst limit: at most this many creates or deletes per sync.
  static constexpr int kBurstReplicas = 500;

 protected:
  void sync(const std::string& key) override;

 private:
  void on_pod_added(const ObjectPtr& pod);
  void on_pod_updated(const ObjectPtr& old_pod, const ObjectPtr& new_pod);
  void on_pod_deleted(const client::DeletedObject& deleted);
  // The owner key for a pod's controllerRef of our kind, or "".
  std::string owner_key(const Json& pod) const;
  // Orphans: every set of ours in the pod's namespace whose selector matches it.
  void enqueue_matching_sets(const Json& pod);

  // Adopts/releases and returns the active pods this set owns.
  std::vector<ObjectPtr> claim_pods(const Json& set);
  // Creates or deletes pods; throws the first API error after doing what it could.
  void manage_replicas(const Json& set, const std::vector<ObjectPtr>& pods, const std::string& key);
  Json compute_status(const Json& set, const std::vector<ObjectPtr>& pods, const std::string& manage_error);

  const ReplicaSetKind& kind_;
  std::shared_ptr<client::SharedInformer> sets_;
  std::shared_ptr<client::SharedInformer> pods_;
  Expectations expectations_;
  PodControl pod_control_;
};

}  // namespace k3s::controllers::apps
