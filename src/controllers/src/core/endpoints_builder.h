// What a Service's Endpoints and EndpointSlices should hold, computed from the Service and
// the pods its selector matches (no API calls: the controllers diff this against what is
// stored). Rules follow kube's endpoints and endpointslice controllers: pods without an IP
// or finished for good are left out, named targetPorts are looked up per pod, terminating
// pods appear in slices (terminating: true) but not in Endpoints unless the Service
// publishes not-ready addresses.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "controller.h"

namespace k3s::controllers::core {

inline constexpr std::size_t kMaxEndpointsPerSlice = 1000;
inline constexpr std::size_t kMaxEndpointsAddresses = 1000;

bool pod_is_ready(const Json& pod);
// kube's ShouldPodBeInEndpoints.
bool should_pod_be_in_endpoints(const Json& pod, bool include_terminating);
// The container port a Service port reaches on `pod`: targetPort as a number, a named
// container port (matching protocol), or port when targetPort is unset.
std::optional<int> resolve_target_port(const Json& pod, const Json& service_port);
// "IPv4" or "IPv6" for an address.
std::string address_family(const std::string& ip);
// The pod's first IP of `family` ("" when it has none).
std::string pod_ip_for_family(const Json& pod, const std::string& family);
// The Service's address types for slices: from spec.ipFamilies, IPv4 when unset.
std::vector<std::string> service_address_types(const Json& service);

// Endpoints.subsets for `service` (sorted, grouped by port set). Sets `truncated` when more
// than kMaxEndpointsAddresses addresses had to be cut.
Json build_endpoints_subsets(const Json& service, const std::vector<ObjectPtr>& pods, bool& truncated);

struct DesiredSlice {
  std::string address_type;
  Json ports = Json::array();      // discovery.k8s.io/v1 EndpointPort list
  Json endpoints = Json::array();  // at most max_per_slice
};
std::vector<DesiredSlice> build_endpoint_slices(const Json& service, const std::vector<ObjectPtr>& pods,
                                                std::size_t max_per_slice = kMaxEndpointsPerSlice);

}  // namespace k3s::controllers::core
