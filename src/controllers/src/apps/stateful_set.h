// The StatefulSet controller: pods with stable names <set>-<ordinal> and their own claims
// <template>-<set>-<ordinal>, created in order and one at a time (OrderedReady) or all at
// once (Parallel), removed highest ordinal first, and updated highest ordinal first down to
// the partition (RollingUpdate) or only when deleted (OnDelete). Revisions are
// ControllerRevisions; pods carry the revision name in controller-revision-hash. Claims
// follow spec.persistentVolumeClaimRetentionPolicy (claim_retention.h).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "apps/history.h"
#include "controller.h"

namespace k3s::controllers::apps {

class StatefulSetController : public QueueController {
 public:
  explicit StatefulSetController(ControllerContext& context);

 protected:
  void sync(const std::string& key) override;

 private:
  std::string owner_key(const Json& pod) const;
  // The set's pods by ordinal (orphans named like members and matching are adopted).
  std::map<std::int64_t, ObjectPtr> claim_pods(const Json& set);
  Json member_pod(const Json& set, const Json& revision, std::int64_t ordinal) const;
  void create_claims(const Json& set, std::int64_t ordinal);
  // Whether a claim of this member still belongs to an earlier pod of the same name (one
  // scaled away with whenScaled: Delete) that the garbage collector is about to remove.
  bool claims_pending_deletion(const Json& set, std::int64_t ordinal) const;
  // Brings the owner references of the member's claims in line with the retention policy.
  void update_claim_owners(const Json& set, const Json& pod, bool scaled_down);
  void create_member(const Json& set, const Json& revision, std::int64_t ordinal);
  void delete_member(const Json& set, const Json& pod);
  // Creates/deletes toward spec.replicas and rolls the update; returns when it must wait.
  void reconcile(const Json& set, const std::map<std::int64_t, ObjectPtr>& pods, const Revisions& revisions,
                 const Json& current_revision);
  Json compute_status(const Json& set, const std::map<std::int64_t, ObjectPtr>& pods, const Json& current_revision,
                      const Json& update_revision);

  std::shared_ptr<client::SharedInformer> sets_, pods_, revisions_, claims_;
};

}  // namespace k3s::controllers::apps
