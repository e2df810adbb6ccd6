// What controllers that own pods (and other objects) share: controller references,
// adoption/orphaning, pod state predicates, creating pods from a template, expectations,
// and the pod-template hash. Implemented in controller_utils.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "controller.h"

namespace k3s::controllers {

// ---- owner references --------------------------------------------------------------------

// {apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true}
Json make_controller_ref(const Json& owner, const std::string& api_version, const std::string& kind);
// The ownerReference with controller: true, or nullptr.
const Json* controller_ref_of(const Json& object);
bool is_controlled_by(const Json& object, const Json& owner);  // by uid

// Adopts `object` for `owner` (adds the controller ref with a strategic merge patch
// conditional on the object's resourceVersion, so a changed or replaced object gets a 409
// Conflict), or releases it (removes the owner's ref). Absent objects are ignored.
void adopt(client::Client& api, const client::GroupVersionResource& resource, const Json& object, const Json& owner,
           const std::string& api_version, const std::string& kind);
void release(client::Client& api, const client::GroupVersionResource& resource, const Json& object, const Json& owner);

// ---- pods --------------------------------------------------------------------------------

bool is_pod_terminating(const Json& pod);  // deletionTimestamp set
bool is_pod_active(const Json& pod);       // not Succeeded/Failed and not terminating
bool is_pod_ready(const Json& pod);        // condition Ready=True
// Ready for at least min_ready_seconds (by the Ready condition's lastTransitionTime).
bool is_pod_available(const Json& pod, std::int64_t min_ready_seconds,
                      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// A pod for `template_` (a PodTemplateSpec) owned by `controller_ref`: labels, annotations
// and finalizers from the template, generateName "<prefix>" (prefix usually "<owner>-"),
// namespace of the owner.
Json pod_from_template(const Json& template_, const std::string& namespace_, const std::string& generate_name_prefix,
                       const Json& controller_ref);

// Creates and deletes pods on behalf of an owner, recording the events kube's controllers
// record on the owner (SuccessfulCreate / FailedCreate / SuccessfulDelete / FailedDelete).
class PodControl {
 public:
  PodControl(client::Client& api, client::EventRecorder& events) : api_(api), events_(events) {}
  // Returns the created pod; rethrows the API error after recording FailedCreate.
  Json create_pod(const Json& pod, const Json& owner);
  // NotFound counts as success.
  void delete_pod(const std::string& namespace_, const std::string& name, const Json& owner);

 private:
  client::Client& api_;
  client::EventRecorder& events_;
};

// ---- expectations --------------------------------------------------------------------------

// kube's ControllerExpectations: after issuing N creates / M deletes for a key, the
// controller waits for its informer to observe them before syncing that key again on
// stale data. Expectations older than 5 minutes count as satisfied.
class Expectations {
 public:
  void expect(const std::string& key, int adds, int deletes);
  void creation_observed(const std::string& key);
  void deletion_observed(const std::string& key);
  // Lowers the expectation when a create/delete failed (it will never be observed).
  void lower(const std::string& key, int adds, int deletes);
  bool satisfied(const std::string& key) const;
  void forget(const std::string& key);

 private:
  struct Entry {
    int adds = 0, deletes = 0;
    std::chrono::steady_clock::time_point set_at;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

// ---- hashing -------------------------------------------------------------------------------

// kube's rand.SafeEncodeString alphabet ("bcdfghjklmnpqrstvwxz2456789") applied to a
// 32-bit FNV-1a hash of the canonical JSON of `value` (plus `collision_count` when set):
// the pod-template-hash label and ControllerRevision name suffixes.
std::string compute_hash(const Json& value, std::optional<std::int32_t> collision_count = std::nullopt);

// RFC 3339 "2026-11-22T13:00:00Z" for now (status times, conditions).
std::string now_rfc3339();

}  // namespace k3s::controllers
