// containerd for the agent: the generated config, the supervised child process, and the
// choice between that and an existing runtime (--container-runtime-endpoint).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/registries.h"

namespace k3s::agent {

inline constexpr const char* kDefaultPauseImage = "docker.io/rancher/mirrored-pause:3.6";
inline constexpr const char* kDefaultRegistriesFile = "/etc/rancher/k3s/registries.yaml";
inline constexpr const char* kDefaultContainerdStateDir = "/run/k3s/containerd";

// A low-level runtime containerd's CRI plugin can run pods with, besides its built-in runc.
struct ContainerRuntime {
  std::string runtime_type = "io.containerd.runc.v2";
  std::string binary;  // absolute path; runc-compatible for io.containerd.runc.v2, else the shim
};

// The runtimes k3s looks for on a node (crun; the NVIDIA container runtimes; the WebAssembly
// shims), keyed by the handler name RuntimeClasses refer to. `root` is the file-system root
// to search under ("/" on a real node; tests pass a directory).
std::map<std::string, ContainerRuntime> find_container_runtimes(const std::string& root = "/");

struct ContainerdOptions {
  std::string data_dir = "/var/lib/rancher/k3s";   // agent files live under <data_dir>/agent
  std::string pause_image = kDefaultPauseImage;      // --pause-image
  std::string snapshotter = "overlayfs";             // --snapshotter
  std::string private_registry = kDefaultRegistriesFile;  // --private-registry
  std::string state_dir = kDefaultContainerdStateDir;     // runtime state (tmpfs); holds the socket
  std::string socket;                                // default <state_dir>/containerd.sock
  std::string cni_bin_dir = "/usr/lib/cni";          // Debian's containernetworking-plugins
  std::string cni_conf_dir;                          // default <data_dir>/agent/etc/cni/net.d
  std::string stream_server_address = "127.0.0.1";
  std::string stream_server_port = "10010";
  std::string containerd_binary = "containerd";
  // Extra runtime handlers (find_container_runtimes) and containerd's default one
  // (--default-runtime; empty keeps containerd's "runc").
  std::map<std::string, ContainerRuntime> runtimes;
  std::string default_runtime;
  bool systemd_cgroup = false;
  // Clamp pods' oom_score_adj to containerd's own. Forced on when this process lacks
  // CAP_SYS_RESOURCE (containers, restricted sandboxes): lowering the score would make every
  // sandbox fail in runc with "can't get final child's PID from pipe".
  bool restrict_oom_score_adj = false;
  bool debug = false;
};

// Every path the generated configuration and the supervisor use, resolved from the options.
struct ContainerdPaths {
  std::string config_dir;       // <data_dir>/agent/etc/containerd
  std::string config_file;      // .../config.toml
  std::string config_template;  // .../config.toml.tmpl (overrides the generated text when present)
  std::string registry_hosts_dir;  // .../certs.d (one <host>/hosts.toml per mirrored registry)
  std::string root_dir;         // <data_dir>/agent/containerd
  std::string state_dir;
  std::string socket;
  std::string log_file;         // <data_dir>/agent/containerd/containerd.log
  std::string images_dir;       // <data_dir>/agent/images (airgap tarballs)
  std::string cni_conf_dir;
};
ContainerdPaths containerd_paths(const ContainerdOptions& options);

// Whether this process may lower oom_score_adj (has CAP_SYS_RESOURCE in its effective set).
bool can_lower_oom_score_adj();

// Throws std::invalid_argument naming the handlers there are when `default_runtime` is
// neither runc nor one of `runtimes`: containerd itself would only fail to load its CRI plugin.
void check_default_runtime(const ContainerdOptions& options);

// Why a found runtime cannot run containers on this host ("" when it can): crun refuses a
// cgroup hybrid host whose v2 hierarchy holds controllers.
std::string runtime_host_problem(const std::string& handler, const std::string& root = "/");

// Warns about found runtimes that cannot work here; throws std::invalid_argument when that
// is the default runtime, since then no pod at all would start.
void check_runtimes_usable(const ContainerdOptions& options, const std::string& root = "/");

// The config.toml text (containerd config version 2) for these options and registries.
std::string render_containerd_config(const ContainerdOptions& options, const Registries& registries);

// Renders a user's config.toml.tmpl. Understands `{{ template "base" . }}` (the generated
// config) and the k3s template variables listed in docs; any other action is an error that
// names it, because silently emitting half a config would start a misconfigured runtime.
std::string render_config_template(const std::string& template_text, const ContainerdOptions& options,
                                   const Registries& registries);

// The hosts.toml text for one registry host under certs.d/<host>/.
std::string render_registry_hosts(const std::string& host, const Registries& registries);

// Loads registries.yaml, writes config.toml (from the template when present) and the
// certs.d tree, creating directories. Returns the written config text. Throws on bad input.
std::string write_containerd_config(const ContainerdOptions& options);

// Runs containerd as a child, restarting it with backoff when it dies, until stop().
class ContainerdSupervisor {
 public:
  explicit ContainerdSupervisor(ContainerdOptions options);
  ~ContainerdSupervisor();
  ContainerdSupervisor(const ContainerdSupervisor&) = delete;
  ContainerdSupervisor& operator=(const ContainerdSupervisor&) = delete;

  // Writes the config, starts containerd and waits until its CRI socket answers Version.
  // Throws std::runtime_error (with the tail of containerd.log) if it does not within `ready_timeout`.
  void start(std::chrono::milliseconds ready_timeout = std::chrono::minutes(2));
  // SIGTERM, then SIGKILL after `grace`. Containers keep running (their shims are separate).
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  std::string endpoint() const;  // unix://<socket>
  const ContainerdPaths& paths() const { return paths_; }
  pid_t pid() const { return pid_.load(); }
  int restarts() const { return restarts_.load(); }

 private:
  void supervise();
  pid_t spawn();

  ContainerdOptions options_;
  ContainerdPaths paths_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<pid_t> pid_{0};
  std::atomic<int> restarts_{0};
  std::string spawn_error_;
};

// Where the agent's CRI lives: the supervised containerd, or an existing runtime.
struct RuntimeEndpoint {
  std::string endpoint;                              // unix://...
  std::unique_ptr<ContainerdSupervisor> supervisor;  // null when using an existing runtime
};

// With a non-empty `container_runtime_endpoint`, checks that it answers Version and uses it;
// otherwise starts the supervised containerd.
RuntimeEndpoint start_container_runtime(const ContainerdOptions& options,
                                        const std::string& container_runtime_endpoint,
                                        std::chrono::milliseconds ready_timeout = std::chrono::minutes(2));

}  // namespace k3s::agent
