// StatefulSet spec.persistentVolumeClaimRetentionPolicy: which owner references the claims
// made from volumeClaimTemplates carry, so that the garbage collector deletes them with
// the StatefulSet (whenDeleted: Delete -> a controller reference to the set) or with their
// pod once the pod's ordinal is scaled away (whenScaled: Delete -> a controller reference
// to the condemned pod instead). Retain means no reference from us. Claims someone else
// controls, or that still name an earlier set/pod of the same name (another uid), are left
// alone, as kube's StatefulSet controller leaves them.
#pragma once

#include <optional>

#include "controller.h"

namespace k3s::controllers::apps {

// The ownerReferences `claim` should have for member `pod` of `set` (`scaled_down`: the
// pod's ordinal is outside [start, start+replicas)). `pod` may lack a uid when it is about
// to be created (it then never gets a reference: only condemned pods do). nullopt: do not
// touch the claim.
std::optional<Json> retained_claim_owner_refs(const Json& claim, const Json& set, const Json& pod, bool scaled_down);

// Whether an existing claim still carries a reference to an earlier pod of this name (the
// garbage collector is about to delete it): the member must not be created on it yet.
bool claim_owned_by_earlier_pod(const Json& claim, const Json& pod);

}  // namespace k3s::controllers::apps
