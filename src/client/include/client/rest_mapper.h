// Discovery-backed mapping between what users type ("po", "deploy", "deployments.apps",
// "Deployment"), kinds and resources, with scope. Discovery documents (/api, /apis and
// every group version) are fetched once and cached until invalidate(); a lookup that
// misses refreshes the cache once, so freshly created CRDs are found.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/client.h"

namespace k3s::client {

struct ResourceInfo {
  GroupVersionResource gvr;
  std::string kind;
  std::string singular_name;
  bool namespaced = false;
  std::vector<std::string> short_names;
  std::vector<std::string> verbs;
  std::vector<std::string> categories;
  std::vector<std::string> subresources;  // "status", "scale", ...
  bool preferred_version = false;         // gvr.version is the group's preferred version

  GroupVersionKind gvk() const { return {gvr.group, gvr.version, kind}; }
  bool has_verb(const std::string& verb) const;
};

struct ApiGroupInfo {
  std::string name;  // "" for core
  std::vector<std::string> versions;  // as the server lists them
  std::string preferred_version;
};

class RESTMapper {
 public:
  explicit RESTMapper(Client& client);

  // kubectl's resource argument: "pods", "pod", "po", "Pod", "deployments.apps",
  // "deployments.v1.apps", "deploy". Prefers the core group, then groups in the server's
  // order, and each group's preferred version. Throws ApiError(NotFound) with kubectl's
  // message: the server doesn't have a resource type "x".
  ResourceInfo resource_for(const std::string& text);
  // The resource of an object's apiVersion + kind. Throws ApiError(NotFound):
  // no matches for kind "X" in version "g/v".
  ResourceInfo resource_for_kind(const std::string& api_version, const std::string& kind);
  std::optional<ResourceInfo> find(const std::string& text);
  std::optional<ResourceInfo> find_kind(const std::string& api_version, const std::string& kind);

  // Every top-level resource of every served group version (preferred versions first).
  std::vector<ResourceInfo> all_resources();
  std::vector<ApiGroupInfo> groups();
  // "v1", "apps/v1", ... as `kubectl api-versions` lists them.
  std::vector<std::string> api_versions();

  void invalidate();

  // Keeps the discovery documents in `directory` (one file per server) and reuses them for
  // `ttl`, as kubectl's ~/.kube/cache/discovery does; a lookup that misses still refreshes
  // from the server. Cache files that cannot be read or written are ignored.
  void set_cache(std::string directory, std::chrono::seconds ttl = std::chrono::hours(6));

 private:
  void ensure_loaded();
  void load(bool allow_cache = false);
  Json fetch_documents();
  void parse_documents(const Json& documents);
  std::string cache_file() const;
  std::optional<ResourceInfo> find_loaded(const std::string& text) const;
  std::optional<ResourceInfo> find_kind_loaded(const std::string& api_version, const std::string& kind) const;

  Client& client_;
  std::mutex mu_;
  bool loaded_ = false;
  std::string cache_dir_;
  std::chrono::seconds cache_ttl_{0};
  std::vector<ApiGroupInfo> groups_;
  std::vector<ResourceInfo> resources_;  // priority order
};

}  // namespace k3s::client
