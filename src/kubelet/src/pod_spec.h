// Translating a Pod into CRI requests: the sandbox config, each container's config (env,
// mounts, resources, security context), as the real kubelet labels and annotates them.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cri/cri.h"
#include "kubelet/kubelet.h"

namespace k3s::kubelet {

using Json = nlohmann::json;
namespace v1 = ::runtime::v1;

// Labels the kubelet and containerd use to find a pod's sandboxes and containers again.
inline constexpr const char* kPodNameLabel = "io.kubernetes.pod.name";
inline constexpr const char* kPodNamespaceLabel = "io.kubernetes.pod.namespace";
inline constexpr const char* kPodUidLabel = "io.kubernetes.pod.uid";
inline constexpr const char* kContainerNameLabel = "io.kubernetes.container.name";
inline constexpr const char* kRestartCountAnnotation = "io.kubernetes.container.restartCount";
inline constexpr const char* kContainerHashAnnotation = "io.kubernetes.container.hash";
inline constexpr const char* kGracePeriodAnnotation = "io.kubernetes.pod.terminationGracePeriod";
inline constexpr const char* kTerminationMessagePathAnnotation = "io.kubernetes.container.terminationMessagePath";

// Thrown when a container's config cannot be built (a missing configMap key, ...): the pod
// shows CreateContainerConfigError with this message.
struct ContainerConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string pod_log_directory(const KubeletConfig& config, const Json& pod);
std::string pod_dir(const KubeletConfig& config, const std::string& uid);
bool host_network(const Json& pod);

v1::PodSandboxConfig build_sandbox_config(const KubeletConfig& config, const Json& pod, uint32_t attempt,
                                          const std::string& host_resolv_conf);

// Looks up configMaps and secrets (namespace, name) for env; nullopt when absent.
struct ObjectSource {
  std::function<std::optional<Json>(const std::string&, const std::string&)> config_map;
  std::function<std::optional<Json>(const std::string&, const std::string&)> secret;
};

struct ContainerContext {
  std::string node_ip;
  std::string pod_ip;
  std::vector<std::string> pod_ips;
  std::string image_ref;  // what the runtime resolved the image to
  uint32_t attempt = 0;
  std::map<std::string, std::string> volume_paths;  // volume name -> host path
  std::string hosts_file;                           // the pod's /etc/hosts on the host
  std::string termination_log;                      // host file mounted at terminationMessagePath
  std::vector<std::pair<std::string, std::string>> service_env;  // KUBERNETES_SERVICE_HOST, ...
};

v1::ContainerConfig build_container_config(const Json& pod, const Json& container, const ContainerContext& context,
                                           const ObjectSource& objects);

// Resolved environment (in order, after $(VAR) expansion). Throws ContainerConfigError.
std::vector<std::pair<std::string, std::string>> resolve_env(const Json& pod, const Json& container,
                                                             const ContainerContext& context,
                                                             const ObjectSource& objects);

// $(VAR) expansion as the kubelet does it ($$ escapes, unknown references stay as written).
std::string expand_vars(const std::string& text, const std::map<std::string, std::string>& vars);

v1::LinuxContainerResources container_resources(const Json& pod, const Json& container);
// A stable hash of the container spec (annotation io.kubernetes.container.hash).
std::string container_hash(const Json& container);

// The /etc/hosts the kubelet writes for a pod (localhost entries + the pod's own IP and name).
std::string render_hosts_file(const Json& pod, const std::string& pod_ip);

}  // namespace k3s::kubelet
