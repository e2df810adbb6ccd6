// `k3s crictl`: the CRI command-line client, talking to the k3s containerd socket by default.
#pragma once

#include <string>
#include <vector>

namespace k3s::crictl {

// `args` are the words after "crictl" (global flags, then a subcommand and its flags).
// Prints to stdout/stderr and returns the process exit code.
int run_crictl(const std::vector<std::string>& args);

}  // namespace k3s::crictl
