// ControllerRevisions for StatefulSets and DaemonSets (kube's controller history): each
// distinct pod template is stored once as a revision named <owner>-<hash> whose data is
// the patch {"spec":{"template":{..., "$patch":"replace"}}} and whose revision number
// orders them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/informer.h"
#include "controller.h"

namespace k3s::controllers::apps {

inline constexpr const char* kControllerRevisionHashLabel = "controller-revision-hash";

struct Revisions {
  Json current;  // the revision pods should run now (the owner's template)
  std::vector<Json> all;  // every owned revision, sorted by revision number (incl. current)
};

// The revision data for an owner's current template.
Json revision_data(const Json& owner);
// The template a revision stores.
Json template_of_revision(const Json& revision);

// Finds (or creates, or renumbers) the revision for the owner's template and returns it
// with the owner's other revisions. Orphaned revisions matching the owner's selector are
// adopted. Throws on API errors; a name collision bumps the owner's status.collisionCount
// (so the next sync hashes differently) and throws.
Revisions sync_revisions(client::Client& api, const client::SharedInformer& revisions, const Json& owner,
                         const std::string& kind);

// Deletes the oldest revisions beyond spec.revisionHistoryLimit (default 10) that no live
// pod uses (`in_use` holds the hash label values / revision names pods carry).
void trim_history(client::Client& api, const Revisions& revisions, const Json& owner,
                  const std::vector<std::string>& in_use);

}  // namespace k3s::controllers::apps
