// The operator subcommands of k3s that are not long-running services: check-config,
// certificate, token. Each parses its own arguments (k3s's flag names), prints what k3s
// prints, and returns the process exit code; bad usage is a one-line error and exit 1.
#pragma once

#include <string>
#include <vector>

namespace k3s::ops {

// `k3s check-config`: kernel, cgroups, netfilter, runtime binaries; a pass/fail list and
// exit 1 when something required is missing.
int run_check_config(const std::vector<std::string>& args);

// `k3s certificate check|rotate`: the server's and agent's certificates with their expiry;
// rotate moves leaf certificates aside so the next start issues new ones.
int run_certificate(const std::vector<std::string>& args, const std::string& data_dir);

// `k3s token create|list|delete|generate`: bootstrap tokens (kube-system Secrets of type
// bootstrap.kubernetes.io/token) for joining nodes.
int run_token(const std::vector<std::string>& args, const std::string& data_dir);

}  // namespace k3s::ops
