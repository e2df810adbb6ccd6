// Objects of every resource kept in the kine Store as JSON under
// <storage_prefix>/<namespace>/<name> (cluster-scoped: <storage_prefix>/<name>).
// resourceVersion is the datastore revision of the object's last write; it is not kept in
// the stored value but set on every read.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kine/store.h"
#include "metrics/metrics.h"
#include "registry.h"

namespace k3s::apiserver {

using Json = nlohmann::json;

// ObjectMeta's lists and maps are omitempty in Go: an update that empties them (a
// controller removing the last finalizer) leaves no `finalizers: []` behind for clients.
void drop_empty_metadata_collections(Json& object);

class Storage {
 public:
  explicit Storage(kine::Store& store) : store_(store) {}
  // Datastore latencies by operation and resource (etcd_request_duration_seconds).
  void set_latency_histogram(metrics::Histogram* histogram) { latency_ = histogram; }

  static std::string key(const ResourceType& type, const std::string& ns, const std::string& name);
  // Prefix of every object of the type (in one namespace when `ns` is given), ending in '/'.
  static std::string prefix(const ResourceType& type, const std::string& ns = {});
  // Decodes a stored value, applies the type's defaults (as kube-apiserver does on every
  // decode, so objects written before a default existed read like new ones) and sets
  // metadata.resourceVersion; throws ApiError(500) when corrupt.
  static Json decode(const ResourceType& type, const std::string& value, int64_t mod_revision);

  // Creates the object; 409 AlreadyExists when the key exists. Returns it with its resourceVersion.
  Json create(const ResourceType& type, Json object, bool dry_run);
  std::optional<Json> get(const ResourceType& type, const std::string& ns, const std::string& name);

  // Read-modify-write with optimistic concurrency, retried when another writer wins the race.
  // `mutate` gets the current object and returns the new one, or nullopt to leave it as is
  // (then the current object is returned). It may throw ApiError (e.g. a 409 for a stale
  // resourceVersion the client asked for). 404 when the object does not exist.
  struct UpdateResult {
    Json object;
    bool changed = false;
  };
  UpdateResult update(const ResourceType& type, const std::string& ns, const std::string& name,
                      const std::function<std::optional<Json>(const Json& current)>& mutate, bool dry_run);

  // Deletes when `precondition` accepts the current object (it throws otherwise). Returns the
  // deleted object with the resourceVersion of the deletion.
  Json remove(const ResourceType& type, const std::string& ns, const std::string& name,
              const std::function<void(const Json& current)>& precondition, bool dry_run);

  int64_t current_revision() { return store_.current_revision(); }
  kine::Store& store() { return store_; }

 private:
  metrics::Histogram* latency_ = nullptr;
  kine::Store& store_;
};

}  // namespace k3s::apiserver
