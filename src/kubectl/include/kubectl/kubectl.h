// The bundled kubectl (`k3s kubectl ...` and the `kubectl` symlink): a C++ implementation of
// the kubectl command line over the project's API client, matching kubectl 1.33's output.
#pragma once

#include <string>
#include <vector>

namespace k3s::kubectl {

struct Invocation {
  // Used when KUBECONFIG is unset and no --kubeconfig is given, instead of ~/.kube/config,
  // if the file is readable (k3s uses /etc/rancher/k3s/k3s.yaml when started as `k3s kubectl`).
  std::string fallback_kubeconfig;
};

// Runs one kubectl command line (without the program name); returns the exit code.
// Output goes to stdout/stderr; nothing is thrown.
int run_kubectl(const std::vector<std::string>& args, const Invocation& invocation = {});

}  // namespace k3s::kubectl
