// State shared by the request handlers of one API server.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "admission.h"
#include "apiserver/apiserver.h"
#include "auth.h"
#include "status.h"
#include "registry.h"
#include "request_info.h"
#include "service_account_tokens.h"
#include "storage.h"
#include "watch_cache.h"

namespace k3s::apiserver {

struct ApiContext {
  explicit ApiContext(Options o)
      : options(std::move(o)),
        storage(*options.store),
        allocator(options.service_cidr, options.service_node_port_range) {}

  Options options;
  Registry registry;
  metrics::Registry metrics;  // served at /metrics
  Storage storage;
  ServiceAllocator allocator;
  std::map<std::string, std::unique_ptr<WatchCache>> caches;  // by storage prefix
  AuthenticatorChain authenticators;
  std::unique_ptr<Authorizer> authorizer;
  std::unique_ptr<ServiceAccountTokens> sa_tokens;  // null when no signing key is configured
  std::atomic<bool> ready{false};

  WatchCache* cache_for(const ResourceType& type) {
    auto it = caches.find(type.storage_prefix);
    return it == caches.end() ? nullptr : it->second.get();
  }
  WatchCache* cache_for(const std::string& group, const std::string& version, const std::string& resource) {
    auto t = registry.find(group, version, resource);
    return t ? cache_for(*t) : nullptr;
  }
  // From the watch cache, else from the datastore: the cache may not have caught up with a
  // write just made (a ServiceAccount created a moment before its first token request).
  std::optional<Json> read_through(const std::string& group, const std::string& version, const std::string& resource,
                                   const std::string& ns, const std::string& name) {
    auto t = registry.find(group, version, resource);
    if (!t) return std::nullopt;
    if (WatchCache* cache = cache_for(*t))
      if (CachedPtr hit = cache->get(ns, name)) return hit->object;
    return storage.get(*t, ns, name);
  }
};

// A parsed resource request after routing, authentication and authorization.
struct ResourceRequest {
  const http::Request* http = nullptr;
  std::shared_ptr<const ResourceType> type;
  std::string verb, ns, name, subresource;
  UserInfo user;
  std::map<std::string, std::string> query;  // last value wins
  std::string param(const std::string& key, const std::string& fallback = "") const {
    auto it = query.find(key);
    return it == query.end() ? fallback : it->second;
  }
  bool flag(const std::string& key) const { return is_true_query_value(param(key)); }
};

http::Response handle_resource(ApiContext& ctx, ResourceRequest& req);

// Creates the default namespaces, the kubernetes Service and the bootstrap RBAC objects.
void ensure_bootstrap_objects(ApiContext& ctx);

http::Response json_response(int status, const Json& body);
http::Response error_to_response(const ApiError& e);

}  // namespace k3s::apiserver
