// The Deployment controller: one ReplicaSet per pod template (named <deployment>-<hash>,
// selecting pod-template-hash=<hash>), rolled out with RollingUpdate or Recreate, scaled
// proportionally, its revisions recorded in annotations and its history trimmed.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "apps/deployment_util.h"
#include "controller.h"

namespace k3s::controllers::apps {

class DeploymentController : public QueueController {
 public:
  explicit DeploymentController(ControllerContext& context);

 protected:
  void sync(const std::string& key) override;

 private:
  // ---- deployment_controller.cpp
  void enqueue_owner_of(const Json& rs);
  void enqueue_matching(const Json& rs);
  // Adopts orphans, releases sets that stopped matching; returns the sets owned.
  RSList claim_replica_sets(const Json& deployment);
  // The new ReplicaSet (created when `create` and missing) and the old ones; keeps the
  // revision annotations in step. `deployment` is refreshed when its status is written.
  std::optional<Json> new_replica_set(Json& deployment, const RSList& sets, bool create);
  void update_revision(Json& deployment, const std::string& revision, const std::string& rs_name,
                       const std::string& reason);
  bool check_paused_conditions(Json& deployment);
  void cleanup(const Json& deployment, const RSList& old_sets);
  void write_deployment_status(Json& deployment, const Json& status);
  void sync_status_only(Json& deployment, const RSList& sets);
  void sync_rollout_status(Json& deployment, const RSList& all, const std::optional<Json>& new_rs);
  void requeue_stuck(const Json& deployment, const Json& status);

  // ---- deployment_rollout.cpp
  void rollout_rolling(Json& deployment, const RSList& sets);
  void rollout_recreate(Json& deployment, const RSList& sets);
  // Scaling events and paused deployments: resize the sets without rolling anything.
  void sync_scaling(Json& deployment, const RSList& sets);
  bool is_scaling_event(Json& deployment, const RSList& sets);
  void scale(const Json& deployment, std::optional<Json> new_rs, RSList old_sets);
  bool reconcile_new(const Json& deployment, const RSList& all, const Json& new_rs);
  bool reconcile_old(const Json& deployment, const RSList& all, RSList old_sets, const Json& new_rs);
  // Resizes a set (and its replicas annotations); returns whether the size changed.
  bool scale_replica_set(const Json& rs, std::int64_t size, const Json& deployment);
  bool old_pods_running(const RSList& old_sets);

  std::shared_ptr<client::SharedInformer> deployments_;
  std::shared_ptr<client::SharedInformer> replica_sets_;
  std::shared_ptr<client::SharedInformer> pods_;
};

}  // namespace k3s::controllers::apps
