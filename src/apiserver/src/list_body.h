// The JSON body of a list response spliced from the watch cache: the envelope, then every
// item's cached encoding as it is, never re-encoded and never joined into one string (the
// HTTP server copies the pieces out through a small buffer as the connection drains).
#pragma once

#include <string>
#include <vector>

#include "http/message.h"
#include "watch_cache.h"

namespace k3s::apiserver {

// {"kind":<kind>,"apiVersion":<api_version>,"metadata":<metadata>,"items":[<items...>]}
http::Response json_list_response(const std::string& kind, const std::string& api_version, const Json& metadata,
                                  std::vector<CachedPtr> items);

}  // namespace k3s::apiserver
