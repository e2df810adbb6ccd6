// Driving one pod to its desired state through CRI: sandbox, volumes, image pulls, init
// containers in order, containers with restart policy and CrashLoopBackOff, probes and
// hooks, graceful termination, and the pod status as the kubelet reports it.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/client.h"
#include "client/events.h"
#include "cri/cri.h"
#include "kubelet/kubelet.h"
#include "pod_spec.h"

namespace k3s::kubelet {

using SteadyTime = std::chrono::steady_clock::time_point;

// What the runtime says about one container instance.
struct ContainerInstance {
  std::string id;
  std::string name;
  uint32_t attempt = 0;
  v1::ContainerState state = v1::CONTAINER_UNKNOWN;
  int32_t exit_code = 0;
  std::string reason, message;
  int64_t created_at = 0, started_at = 0, finished_at = 0;  // unix nanoseconds
  std::string image_ref;
};

struct ProbeState {
  SteadyTime next{};
  int successes = 0;
  int failures = 0;
  bool passing = false;
};

// A projected service-account token, reused until 80% of its lifetime has passed (the
// kubelet's token manager rule) rather than requested again at every sync.
struct CachedToken {
  std::string token;
  SteadyTime refresh_at{};
};

struct Backoff {
  std::chrono::seconds delay{0};
  int64_t last_finished_at = 0;  // the exit that set this delay
};

// Everything the kubelet remembers about a pod between syncs (rebuilt from the runtime after a restart).
struct PodState {
  std::string uid;
  std::string sandbox_id;
  std::string pod_ip;
  std::string start_time;  // RFC 3339, first time the kubelet saw the pod
  std::map<std::string, Backoff> backoff;
  std::map<std::string, std::pair<std::string, std::string>> waiting;  // container -> (reason, message)
  std::map<std::string, ProbeState> liveness, readiness, startup;
  std::map<std::string, SteadyTime> started_seen;  // container id -> when the kubelet saw it start
  Json last_status;
  std::map<std::string, CachedToken> tokens;  // by service account, audience and expiration
  bool volumes_ready = false;
  std::string volume_error;
  bool terminated = false;  // containers killed and the pod is finished here
};

// Services of the kubelet the syncer uses.
struct SyncContext {
  const KubeletConfig& config;
  client::Client& api;
  cri::Client& runtime;
  client::EventRecorder& events;
  std::function<std::string()> node_ip;
  std::function<bool()> network_ready;  // the CNI config exists
  std::string resolv_conf;
};

class PodSyncer {
 public:
  explicit PodSyncer(SyncContext context) : ctx_(std::move(context)) {}

  // One reconciliation; returns how soon it wants to run again.
  std::chrono::milliseconds sync(const Json& pod, PodState& state);
  // Kills every container and the sandbox of the pod (grace in seconds), tears down volumes;
  // with `delete_object`, removes the pod from the API (grace 0, uid precondition).
  void terminate(const Json& pod, PodState& state, int64_t grace_seconds, bool delete_object);
  // Runtime instances of a pod, newest attempt last per name.
  std::vector<ContainerInstance> containers_of(const std::string& uid);

 private:
  bool ensure_sandbox(const Json& pod, PodState& state);
  // The CRI handler of the pod's RuntimeClass ("" for none); throws after an event when the
  // class cannot be read.
  std::string runtime_handler(const Json& pod, PodState& state);
  std::optional<std::string> ensure_image(const Json& pod, const Json& container, PodState& state);
  bool start_container(const Json& pod, const Json& container, PodState& state, uint32_t attempt,
                       const std::map<std::string, std::string>& volumes);
  // true when the container should be (re)started now; sets the CrashLoopBackOff waiting reason otherwise.
  bool backoff_allows(const Json& pod, const std::string& name, const ContainerInstance& last, PodState& state);
  void run_probes(const Json& pod, const Json& container, const ContainerInstance& instance, PodState& state);
  void kill_container(const Json& pod, const Json* container, const ContainerInstance& instance, int64_t grace,
                      const std::string& reason);
  void post_status(const Json& pod, PodState& state, const Json& status);
  v1::AuthConfig auth_for(const Json& pod, const std::string& image);
  std::map<std::string, std::string> volumes(const Json& pod, PodState& state);
  ObjectSource object_source();

  SyncContext ctx_;
};

// The pod status the kubelet reports, from the spec, what the runtime shows and the syncer's memory.
Json compute_pod_status(const Json& pod, const PodState& state, const std::vector<ContainerInstance>& containers,
                        const std::string& node_ip, bool sandbox_ready);

}  // namespace k3s::kubelet
