// The DaemonSet controller: one pod per eligible node, each pinned to its node with a
// required node affinity on metadata.name (the scheduler binds it), replaced node by node
// on a template change (RollingUpdate with maxUnavailable or maxSurge, see daemon_update.h)
// or when deleted (OnDelete).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "apps/history.h"
#include "controller.h"
#include "controller_utils.h"

namespace k3s::controllers::apps {

class DaemonSetController : public QueueController {
 public:
  explicit DaemonSetController(ControllerContext& context);

 protected:
  void sync(const std::string& key) override;

 private:
  using PodsByNode = std::map<std::string, std::vector<ObjectPtr>>;

  std::string owner_key(const Json& pod) const;
  void enqueue_all();
  // The daemon pods of `ds` (orphans matching its selector are adopted), by node name.
  PodsByNode claim_pods(const Json& ds);
  // A pod for `node` from the current template.
  Json daemon_pod(const Json& ds, const std::string& node, const std::string& hash) const;
  void create_and_delete(const Json& ds, const std::string& key, const std::vector<std::string>& nodes_to_create,
                         const std::vector<ObjectPtr>& pods_to_delete, const std::string& hash);
  Json compute_status(const Json& ds, const PodsByNode& pods, const std::map<std::string, bool>& should_run,
                      const std::string& hash);

  std::shared_ptr<client::SharedInformer> daemon_sets_, pods_, nodes_, revisions_;
  Expectations expectations_;
  PodControl pod_control_;
};

}  // namespace k3s::controllers::apps
