// `k3s agent`: join the cluster named by --server/--token, keep the tunnel to the server up,
// and run this node (containerd + kubelet) with the credentials the server issued.
#pragma once

#include "cli/config.h"

namespace k3s::agent {

// Runs until SIGTERM/SIGINT; returns the process exit code. A refused join (bad token,
// CA mismatch, node password rejected) prints one line and returns 1.
int run_agent(const cli::AgentConfig& config);

}  // namespace k3s::agent
