#include "packaged_runtimes.h"

#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

namespace k3s::server {

namespace {

// The handler names are those agent::find_container_runtimes() configures in containerd.
constexpr const char* kHandlers[] = {"crun",    "nvidia", "nvidia-experimental", "lunatic", "slight",
                                     "spin",    "wws",    "wasmedge",            "wasmer",  "wasmtime"};

// The owner annotations k3s's deploy controller puts on what it applies, so a later
// `--disable runtimes` removes what this component made and nothing a user made.
constexpr const char* kOwnerName = "objectset.rio.cattle.io/owner-name";
constexpr const char* kOwnerNamespace = "objectset.rio.cattle.io/owner-namespace";

client::Json runtime_class(const std::string& handler) {
  return {{"apiVersion", "node.k8s.io/v1"},
          {"kind", "RuntimeClass"},
          {"metadata",
           {{"name", handler}, {"annotations", {{kOwnerName, kRuntimesComponent}, {kOwnerNamespace, "kube-system"}}}}},
          {"handler", handler}};
}

bool ours(const client::Json& object) {
  const auto annotations = object["metadata"].value("annotations", client::Json::object());
  return annotations.value(kOwnerName, "") == kRuntimesComponent &&
         annotations.value(kOwnerNamespace, "") == "kube-system";
}

void apply_once(client::Client& api, bool disabled) {
  const auto existing = api.list(client::resources::kRuntimeClasses, "");
  const auto items = existing.value("items", client::Json::array());
  for (const char* handler : kHandlers) {
    const client::Json* found = nullptr;
    for (const auto& item : items) {
      if (item["metadata"].value("name", "") == handler) found = &item;
    }
    if (disabled) {
      if (found && ours(*found)) {
        try {
          api.remove(client::resources::kRuntimeClasses, "", handler);
        } catch (const client::ApiError& e) {
          if (e.code() != 404) throw;
        }
      }
    } else if (!found) {
      try {
        api.create(client::resources::kRuntimeClasses, runtime_class(handler));
      } catch (const client::ApiError& e) {
        if (e.code() != 409) throw;  // another server made it first
      }
    }
  }
}

}  // namespace

void deploy_runtime_classes(client::Client& api, bool disabled, std::stop_token stop) {
  auto backoff = std::chrono::milliseconds(500);
  while (!stop.stop_requested()) {
    try {
      apply_once(api, disabled);
      spdlog::info("{} RuntimeClasses of the packaged component \"{}\"", disabled ? "Removed the" : "Deployed the",
                   kRuntimesComponent);
      return;
    } catch (const std::exception& e) {
      spdlog::warn("packaged component {}: {}; retrying in {} ms", kRuntimesComponent, e.what(), backoff.count());
    }
    for (auto waited = std::chrono::milliseconds(0); waited < backoff && !stop.stop_requested();
         waited += std::chrono::milliseconds(100)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
  }
}

}  // namespace k3s::server
