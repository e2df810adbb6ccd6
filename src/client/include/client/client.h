// The project's one Kubernetes API client: a REST client over k3s::http::Client with
// resources addressed by group/version/resource (+ namespace, name, subresource), the
// standard verbs with their query options, streamed watches, raw requests, a
// discovery-backed RESTMapper, client-side rate limiting and request timeouts.
//
// Every method is thread-safe. Non-2xx answers throw ApiError (with the server's Status);
// requests that got no answer throw TransportError.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/errors.h"
#include "client/kubeconfig.h"
#include "client/rate_limit.h"
#include "http/message.h"

namespace k3s::http {
class Client;
class ResponseStream;
struct UpgradeResponse;
}  // namespace k3s::http

namespace k3s::client {

using Json = nlohmann::json;

class RESTMapper;

struct GroupVersionResource {
  std::string group;  // "" for core
  std::string version;
  std::string resource;  // plural, lower case: "pods", "deployments"

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // "pods", "deployments.apps" (kubectl's resource.group form).
  std::string group_resource() const { return group.empty() ? resource : resource + "." + group; }
  bool operator==(const GroupVersionResource&) const = default;
  auto operator<=>(const GroupVersionResource&) const = default;
};

struct GroupVersionKind {
  std::string group;
  std::string version;
  std::string kind;
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  bool operator==(const GroupVersionKind&) const = default;
};

// Well-known resources, for components that need no discovery.
namespace resources {
inline const GroupVersionResource kNamespaces{"", "v1", "namespaces"};
inline const GroupVersionResource kPods{"", "v1", "pods"};
inline const GroupVersionResource kNodes{"", "v1", "nodes"};
inline const GroupVersionResource kServices{"", "v1", "services"};
inline const GroupVersionResource kEndpoints{"", "v1", "endpoints"};
inline const GroupVersionResource kConfigMaps{"", "v1", "configmaps"};
inline const GroupVersionResource kSecrets{"", "v1", "secrets"};
inline const GroupVersionResource kServiceAccounts{"", "v1", "serviceaccounts"};
inline const GroupVersionResource kEvents{"", "v1", "events"};
inline const GroupVersionResource kPersistentVolumes{"", "v1", "persistentvolumes"};
inline const GroupVersionResource kPersistentVolumeClaims{"", "v1", "persistentvolumeclaims"};
inline const GroupVersionResource kReplicationControllers{"", "v1", "replicationcontrollers"};
inline const GroupVersionResource kResourceQuotas{"", "v1", "resourcequotas"};
inline const GroupVersionResource kLimitRanges{"", "v1", "limitranges"};
inline const GroupVersionResource kDeployments{"apps", "v1", "deployments"};
inline const GroupVersionResource kReplicaSets{"apps", "v1", "replicasets"};
inline const GroupVersionResource kStatefulSets{"apps", "v1", "statefulsets"};
inline const GroupVersionResource kDaemonSets{"apps", "v1", "daemonsets"};
inline const GroupVersionResource kControllerRevisions{"apps", "v1", "controllerrevisions"};
inline const GroupVersionResource kJobs{"batch", "v1", "jobs"};
inline const GroupVersionResource kCronJobs{"batch", "v1", "cronjobs"};
inline const GroupVersionResource kLeases{"coordination.k8s.io", "v1", "leases"};
inline const GroupVersionResource kEndpointSlices{"discovery.k8s.io", "v1", "endpointslices"};
inline const GroupVersionResource kPodDisruptionBudgets{"policy", "v1", "poddisruptionbudgets"};
inline const GroupVersionResource kPriorityClasses{"scheduling.k8s.io", "v1", "priorityclasses"};
inline const GroupVersionResource kRuntimeClasses{"node.k8s.io", "v1", "runtimeclasses"};
inline const GroupVersionResource kStorageClasses{"storage.k8s.io", "v1", "storageclasses"};
inline const GroupVersionResource kCSRs{"certificates.k8s.io", "v1", "certificatesigningrequests"};
inline const GroupVersionResource kHPAs{"autoscaling", "v2", "horizontalpodautoscalers"};
inline const GroupVersionResource kCRDs{"apiextensions.k8s.io", "v1", "customresourcedefinitions"};
inline const GroupVersionResource kEventsV1{"events.k8s.io", "v1", "events"};
}  // namespace resources

// "/api/v1/namespaces/ns/pods/name/status"; empty namespace = cluster scope (or all
// namespaces for a list); empty name = the collection.
std::string resource_path(const GroupVersionResource& gvr, const std::string& namespace_ = {},
                          const std::string& name = {}, const std::string& subresource = {});

// ---- options -----------------------------------------------------------------------------

struct GetOptions {
  std::string resource_version;
  std::string subresource;
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::int64_t limit = 0;
  std::string continue_token;
  std::string resource_version;
  std::string resource_version_match;  // "Exact" | "NotOlderThan"
  bool allow_watch_bookmarks = false;  // watch only
  std::optional<std::int64_t> timeout_seconds;
  bool send_initial_events = false;  // watch only (WatchList)
};

struct WriteOptions {  // create / update
  std::vector<std::string> dry_run;  // {"All"}
  std::string field_manager;
  std::string field_validation;  // "Strict" | "Warn" | "Ignore"
  std::string subresource;       // update: "status", "scale"; create: "binding", "eviction", "token"
  std::string name;              // create on a subresource needs the parent's name
};

enum class PatchType {
  json,       // application/json-patch+json
  merge,      // application/merge-patch+json
  strategic,  // application/strategic-merge-patch+json
  apply,      // application/apply-patch+yaml (server-side apply; needs field_manager)
};
const char* content_type_of(PatchType type);

struct PatchOptions {
  std::vector<std::string> dry_run;
  std::string field_manager;
  std::optional<bool> force;  // apply only
  std::string field_validation;
  std::string subresource;
};

struct DeleteOptions {
  std::string propagation_policy;  // "Orphan" | "Background" | "Foreground"
  std::optional<std::int64_t> grace_period_seconds;
  std::string precondition_uid;
  std::string precondition_resource_version;
  std::vector<std::string> dry_run;
};

// ---- watch -----------------------------------------------------------------------------

struct WatchEvent {
  enum class Type { added, modified, deleted, bookmark, error };
  Type type = Type::added;
  Json object;  // the object, or a Status for errors
};
const char* to_string(WatchEvent::Type type);

class Watch {
 public:
  Watch(std::unique_ptr<http::ResponseStream> stream);
  ~Watch();
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  // Blocks until the next event; nullopt once the stream ended (server closed it, the
  // connection broke, or stop() was called). A malformed frame ends the watch with an
  // error event carrying a Status.
  std::optional<WatchEvent> next();
  // Thread-safe: makes a blocked next() return nullopt.
  void stop();
  bool stopped() const { return stopped_; }

 private:
  std::optional<std::string> next_frame();

  std::unique_ptr<http::ResponseStream> stream_;
  std::string buffer_;
  std::atomic<bool> stopped_{false};
  bool ended_ = false;
};

// ---- raw requests ----------------------------------------------------------------------

struct RawResponse {
  int status = 0;
  http::Headers headers;
  std::string body;
};

// ---- the client ------------------------------------------------------------------------

class Client {
 public:
  // Throws TransportError when the TLS material cannot be loaded.
  explicit Client(RestConfig config);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const RestConfig& config() const { return config_; }
  // The discovery-backed mapper (lazily loads /api and /apis, cached until invalidated).
  RESTMapper& mapper();

  Json get(const GroupVersionResource& gvr, const std::string& namespace_, const std::string& name,
           const GetOptions& options = {});
  Json list(const GroupVersionResource& gvr, const std::string& namespace_, const ListOptions& options = {});
  // Namespace and name come from the object's metadata.
  Json create(const GroupVersionResource& gvr, const Json& object, const WriteOptions& options = {});
  Json update(const GroupVersionResource& gvr, const Json& object, const WriteOptions& options = {});
  Json update_status(const GroupVersionResource& gvr, const Json& object, const WriteOptions& options = {});
  Json patch(const GroupVersionResource& gvr, const std::string& namespace_, const std::string& name, PatchType type,
             const std::string& patch_body, const PatchOptions& options = {});
  Json patch(const GroupVersionResource& gvr, const std::string& namespace_, const std::string& name, PatchType type,
             const Json& patch_document, const PatchOptions& options = {});
  // Returns what the server answered: the object (graceful deletion / finalizers) or a Status.
  Json remove(const GroupVersionResource& gvr, const std::string& namespace_, const std::string& name,
              const DeleteOptions& options = {});
  Json delete_collection(const GroupVersionResource& gvr, const std::string& namespace_,
                         const ListOptions& list_options = {}, const DeleteOptions& options = {});
  // Opens a watch; throws ApiError when the server refuses it (e.g. 410 for an expired
  // resourceVersion).
  std::unique_ptr<Watch> watch(const GroupVersionResource& gvr, const std::string& namespace_,
                               const ListOptions& options = {});

  // Any other path (logs, /version, /openapi/v2, /healthz): never throws ApiError, the
  // caller reads the status. Rate limited and authenticated like everything else.
  RawResponse raw(const std::string& method, const std::string& path_and_query, const std::string& body = {},
                  const http::Headers& headers = {});
  // A streamed raw request (logs -f, proxies); no timeout on the body.
  std::unique_ptr<http::ResponseStream> raw_stream(const std::string& method, const std::string& path_and_query,
                                                   const http::Headers& headers = {});
  // A protocol switch (exec, attach, port-forward) on a connection of its own, with this
  // client's credentials; `headers` carry the Upgrade request. Throws ApiError when the
  // server does not switch (its Status: pod not found, forbidden, ...).
  http::UpgradeResponse raw_upgrade(const std::string& method, const std::string& path_and_query,
                                    const http::Headers& headers);
  // Like raw() but throws ApiError on non-2xx and parses the JSON body.
  Json request_json(const std::string& method, const std::string& path_and_query, const std::string& body = {},
                    const std::string& content_type = "application/json");

 private:
  http::Headers base_headers();
  std::string bearer_token();
  RawResponse send(const std::string& method, const std::string& path_and_query, const std::string& body,
                   const http::Headers& headers);

  RestConfig config_;
  std::unique_ptr<http::Client> http_;
  TokenBucket limiter_;
  std::unique_ptr<RESTMapper> mapper_;
  std::mutex token_mu_;
  std::string cached_token_;
  std::chrono::steady_clock::time_point token_read_at_{};
};

}  // namespace k3s::client
