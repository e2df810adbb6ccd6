// The node's CNI network: a bridge (cni0) with host-local addresses from the node's podCIDR,
// outbound masquerade (by the bridge plugin per pod, unless the node does it once for the
// whole podCIDR), and portmap for hostPort.
#pragma once

#include <string>

namespace k3s::kubelet {

// The 10-k3s.conflist text for `pod_cidr`; host-local keeps its leases under `ipam_data_dir`.
// Throws std::invalid_argument for a malformed IPv4 CIDR.
std::string render_cni_conflist(const std::string& pod_cidr, const std::string& ipam_data_dir,
                                bool per_pod_masquerade);

// Writes <conf_dir>/10-k3s.conflist atomically (unchanged content is not rewritten).
// Returns the path.
std::string write_cni_conflist(const std::string& conf_dir, const std::string& pod_cidr,
                               const std::string& ipam_data_dir, bool per_pod_masquerade);

}  // namespace k3s::kubelet
