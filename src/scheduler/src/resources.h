// Resource amounts as the scheduler accounts them: cpu in millicores, everything else in
// base units, plus the pod-count slot. Pod requests follow kube-scheduler's rules: sum of
// the containers, restartable (sidecar) init containers added, the largest init container
// step taken when bigger, pod overhead on top.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace k3s::scheduler {

using Json = nlohmann::json;

inline constexpr const char* kResourceCpu = "cpu";
inline constexpr const char* kResourceMemory = "memory";
inline constexpr const char* kResourceEphemeralStorage = "ephemeral-storage";
inline constexpr const char* kResourcePods = "pods";

// What a container without requests counts as when scoring (kube's non-zero defaults).
inline constexpr std::int64_t kDefaultMilliCpuRequest = 100;
inline constexpr std::int64_t kDefaultMemoryRequest = 200LL * 1024 * 1024;

struct Resources {
  std::int64_t milli_cpu = 0;
  std::int64_t memory = 0;
  std::int64_t ephemeral_storage = 0;
  std::int64_t allowed_pods = 0;  // only meaningful for allocatable
  std::map<std::string, std::int64_t> scalar;  // extended resources, hugepages, ...

  void add(const Resources& other);
  void subtract(const Resources& other);
  // Component-wise maximum.
  void raise_to(const Resources& other);
  std::int64_t scalar_value(const std::string& name) const;
  bool empty() const { return milli_cpu == 0 && memory == 0 && ephemeral_storage == 0 && scalar.empty(); }
  bool operator==(const Resources&) const = default;
};

// A resource list ({"cpu": "500m", "memory": "1Gi", ...}). Throws QuantityError on a
// malformed quantity. `pods` goes to allowed_pods.
Resources parse_resource_list(const Json& list);

struct PodRequests {
  Resources requests;           // what NodeResourcesFit checks against allocatable
  Resources non_zero_requests;  // cpu/memory with defaults for unset values (scoring)
};

// The effective requests of a pod spec. Throws QuantityError on malformed quantities.
PodRequests compute_pod_requests(const Json& pod_spec);

}  // namespace k3s::scheduler
