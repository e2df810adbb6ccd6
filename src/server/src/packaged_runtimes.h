// k3s's packaged "runtimes" component: a RuntimeClass for every runtime handler a k3s agent
// may configure in containerd (crun, the NVIDIA runtimes, the WebAssembly shims), so pods
// pick one with spec.runtimeClassName. `--disable runtimes` removes them again.
#pragma once

#include <stop_token>

#include "client/client.h"

namespace k3s::server {

inline constexpr const char* kRuntimesComponent = "runtimes";

// Creates the missing RuntimeClasses (or, when `disabled`, deletes the ones this component
// created), retrying until it succeeds or `stop` is requested.
void deploy_runtime_classes(client::Client& api, bool disabled, std::stop_token stop);

}  // namespace k3s::server
