// Outbound NAT for pod traffic, once per node (as flannel does for k3s) instead of per pod:
// the bridge plugin's ipMasq makes a chain and runs about nine iptables commands for every
// sandbox, which dominated CNI time when many pods start at once.
#pragma once

#include <string>

namespace k3s::agent {

inline constexpr const char* kPodMasqueradeChain = "K3S-POD-MASQ";

// The iptables-restore input (nat table, --noflush) that (re)defines the chain: traffic from
// `pod_cidr` to anything outside it and outside multicast is masqueraded.
// Throws std::invalid_argument for a CIDR that is not IPv4.
std::string render_pod_masquerade_rules(const std::string& pod_cidr);

// Installs the chain and the POSTROUTING jump to it in the current network namespace with the
// host's iptables; idempotent, and a changed podCIDR replaces the chain's rules.
// Throws std::runtime_error with iptables' own message when that fails.
void ensure_pod_masquerade(const std::string& pod_cidr);

}  // namespace k3s::agent
