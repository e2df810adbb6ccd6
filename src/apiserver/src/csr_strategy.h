// CertificateSigningRequest rules of the API server: the requester's identity is recorded
// in spec on create, and /approval changes only the Approved/Denied conditions.
#pragma once

#include <nlohmann/json.hpp>

#include "apiserver/apiserver.h"

namespace k3s::apiserver {

// spec.username/uid/groups come from the authenticated user, never from the body.
void prepare_csr_create(const UserInfo& user, nlohmann::json& csr);

// The object an update through /approval stores: `current` with the Approved/Denied
// conditions of `next` (other conditions kept). 422 when both are present.
nlohmann::json csr_approval_update(const nlohmann::json& current, const nlohmann::json& next);

}  // namespace k3s::apiserver
