// `k3s server`: data-dir layout, PKI, tokens, kubeconfig, the datastore, the API server
// and supervisor listener, and (later) scheduler, controllers and the embedded agent.
#pragma once

#include "cli/config.h"

namespace k3s::server {

// Runs until SIGTERM/SIGINT; returns the process exit code.
int run_server(const cli::ServerConfig& config);

}  // namespace k3s::server
