// User impersonation (kubectl --as, --as-group, --as-uid): the Impersonate-* headers make a
// request act as another user once RBAC allows the real user the "impersonate" verb on each
// impersonated attribute (users, groups, serviceaccounts, uids, userextras/<key>).
#pragma once

#include "apiserver/apiserver.h"

namespace k3s::apiserver {

class Authorizer;

// `user` itself when the request impersonates nobody; throws ApiError 400 for malformed
// headers and 403 when an impersonated attribute is not allowed.
UserInfo impersonated_user(const Authorizer& authorizer, const http::Request& request, const UserInfo& user);

}  // namespace k3s::apiserver
