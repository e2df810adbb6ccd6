// Per-type defaulting, name validation, strict field checking, and the ClusterIP/NodePort
// allocation for Services — what runs on an object before it is stored.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "registry.h"

namespace k3s::apiserver {

using Json = nlohmann::json;

class WatchCache;

// 422 Invalid when the name (or generateName) breaks the type's naming rule.
void validate_object_meta(const ResourceType& type, const Json& object, bool is_create);

// What a new object gets: set_defaults (defaults.h, which every write applies) plus what only a
// create sets (a Namespace's finalizer and phase, a Pod's initial status, its service account
// and default tolerations, a Service's empty status).
void default_on_create(const ResourceType& type, Json& object);

// ClusterIPs from --service-cidr and NodePorts from --service-node-port-range; the set in
// use is recomputed from the Service cache, so allocation survives restarts.
class ServiceAllocator {
 public:
  ServiceAllocator(const std::string& service_cidr, const std::string& node_port_range);
  std::string first_ip() const;
  // Fills spec.clusterIP(s) and NodePorts for a new Service; 422 when a requested one is taken
  // or outside the range.
  void allocate(Json& service, WatchCache* services);
  // Keeps the allocated IP/ports across an update (they are immutable).
  void carry_over(const Json& old_service, Json& service);

 private:
  std::string ip_string(uint32_t ip) const;
  std::mutex mu_;
  uint32_t network_ = 0;
  uint32_t size_ = 0;
  int port_lo_ = 30000, port_hi_ = 32767;
  uint32_t next_ = 0;
  std::set<uint32_t> recently_allocated_;
};

}  // namespace k3s::apiserver
