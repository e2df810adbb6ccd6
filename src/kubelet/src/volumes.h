// Pod volumes on the host under <root-dir>/pods/<uid>/volumes/kubernetes.io~<plugin>/<name>:
// emptyDir (disk or tmpfs), hostPath, configMap, secret, downwardAPI, projected and
// persistentVolumeClaim bound to hostPath/local volumes. Files of configMap/secret/
// downwardAPI/projected volumes are published atomically through a "..data" symlink swap.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "kubelet/kubelet.h"
#include "pod_spec.h"

namespace k3s::kubelet {

// A volume that cannot be set up now (missing configMap, ...): the pod waits with a FailedMount event.
struct VolumeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct VolumeSources {
  ObjectSource objects;
  // GET of any namespaced/cluster object (PVCs, PVs, the kube-root-ca.crt configMap).
  std::function<std::optional<Json>(const std::string& resource, const std::string& ns, const std::string& name)> get;
  // TokenRequest for a service account; returns the token or throws VolumeError.
  std::function<std::string(const std::string& ns, const std::string& service_account, const Json& pod,
                            int64_t expiration_seconds, const std::string& audience)>
      request_token;
  std::string node_ip;
  std::string pod_ip;
};

// Files to publish in one atomic volume: relative path -> (content, mode).
struct FilePayload {
  std::string content;
  unsigned mode = 0644;
};
using Payload = std::map<std::string, FilePayload>;

// Publishes `payload` in `dir` as the kubelet's atomic writer does: a timestamped directory,
// "..data" pointing at it, and top-level symlinks into "..data". Returns false when the
// content was already current (nothing written).
bool write_atomic_payload(const std::string& dir, const Payload& payload);

// Sets up (or refreshes) every volume of the pod; returns volume name -> host path.
std::map<std::string, std::string> setup_volumes(const KubeletConfig& config, const Json& pod,
                                                 const VolumeSources& sources);

// Unmounts whatever is mounted under the pod's directory and removes it.
void teardown_pod_dir(const KubeletConfig& config, const std::string& uid);

}  // namespace k3s::kubelet
