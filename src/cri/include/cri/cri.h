// Synchronous client for the Container Runtime Interface (runtime.v1) over a unix socket.
// Used by `k3s crictl` and the kubelet. Every call carries a deadline; failures throw
// cri::Error holding the gRPC status code and the runtime's own message.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cri/api.pb.h"

namespace k3s::cri {

namespace v1 = ::runtime::v1;

inline constexpr const char* kDefaultEndpoint = "unix:///run/k3s/containerd/containerd.sock";

// A failed CRI call. what() reads like Go's gRPC errors ("rpc error: code = NotFound desc = ...")
// because that is what operators know from crictl and kubelet logs.
class Error : public std::runtime_error {
 public:
  Error(std::string method, int code, std::string code_name, std::string message);
  const std::string& method() const { return method_; }
  int code() const { return code_; }             // grpc::StatusCode value
  const std::string& code_name() const { return code_name_; }
  const std::string& status_message() const { return message_; }
  bool not_found() const { return code_ == 5; }
  bool unimplemented() const { return code_ == 12; }
  bool unavailable() const { return code_ == 14; }

 private:
  std::string method_;
  int code_;
  std::string code_name_;
  std::string message_;
};

// Accepts "unix:///path", "unix:/path" or a bare "/path"; anything else is a usage error
// (std::invalid_argument) because only local runtimes are supported.
std::string normalize_endpoint(const std::string& endpoint);

class Client {
 public:
  using Timeout = std::chrono::milliseconds;

  explicit Client(const std::string& endpoint = kDefaultEndpoint, Timeout default_timeout = std::chrono::seconds(10));
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::string& endpoint() const { return endpoint_; }
  Timeout default_timeout() const { return default_timeout_; }
  void set_default_timeout(Timeout t) { default_timeout_ = t; }

  // Polls Version until it answers or `budget` runs out; returns whether it answered.
  bool wait_until_ready(Timeout budget);

  // Runtime service. Each takes an optional per-call timeout (0 = the default).
  v1::VersionResponse version(Timeout t = {});
  v1::StatusResponse status(bool verbose = false, Timeout t = {});
  void update_runtime_config(const std::string& pod_cidr, Timeout t = {});
  v1::RuntimeConfigResponse runtime_config(Timeout t = {});

  std::string run_pod_sandbox(const v1::PodSandboxConfig& config, const std::string& runtime_handler = "",
                              Timeout t = {});
  void stop_pod_sandbox(const std::string& id, Timeout t = {});
  void remove_pod_sandbox(const std::string& id, Timeout t = {});
  v1::PodSandboxStatusResponse pod_sandbox_status(const std::string& id, bool verbose = false, Timeout t = {});
  std::vector<v1::PodSandbox> list_pod_sandbox(const v1::PodSandboxFilter& filter = {}, Timeout t = {});

  std::string create_container(const std::string& pod_sandbox_id, const v1::ContainerConfig& config,
                               const v1::PodSandboxConfig& sandbox_config, Timeout t = {});
  void start_container(const std::string& id, Timeout t = {});
  // `grace_seconds` is the runtime's SIGTERM-to-SIGKILL wait; the deadline is extended to cover it.
  void stop_container(const std::string& id, int64_t grace_seconds, Timeout t = {});
  void remove_container(const std::string& id, Timeout t = {});
  std::vector<v1::Container> list_containers(const v1::ContainerFilter& filter = {}, Timeout t = {});
  v1::ContainerStatusResponse container_status(const std::string& id, bool verbose = false, Timeout t = {});
  void update_container_resources(const std::string& id, const v1::LinuxContainerResources& resources,
                                  Timeout t = {});
  void reopen_container_log(const std::string& id, Timeout t = {});

  // `timeout_seconds` is passed to the runtime (0 = none); the deadline is extended to cover it.
  v1::ExecSyncResponse exec_sync(const std::string& id, const std::vector<std::string>& cmd,
                                 int64_t timeout_seconds = 0, Timeout t = {});
  std::string exec_url(const v1::ExecRequest& request, Timeout t = {});
  std::string attach_url(const v1::AttachRequest& request, Timeout t = {});
  std::string port_forward_url(const std::string& pod_sandbox_id, const std::vector<int32_t>& ports,
                               Timeout t = {});

  v1::ContainerStats container_stats(const std::string& id, Timeout t = {});
  std::vector<v1::ContainerStats> list_container_stats(const v1::ContainerStatsFilter& filter = {}, Timeout t = {});
  v1::PodSandboxStats pod_sandbox_stats(const std::string& id, Timeout t = {});
  std::vector<v1::PodSandboxStats> list_pod_sandbox_stats(const v1::PodSandboxStatsFilter& filter = {},
                                                          Timeout t = {});

  // Image service.
  std::vector<v1::Image> list_images(const v1::ImageFilter& filter = {}, Timeout t = {});
  // Empty response image (no id) when the runtime does not have it.
  v1::ImageStatusResponse image_status(const std::string& image, bool verbose = false, Timeout t = {});
  // Returns the image reference (digest-based id) the runtime resolved. Pulls are slow: the
  // default deadline for this call is generous unless `t` says otherwise.
  std::string pull_image(const std::string& image, const v1::AuthConfig* auth = nullptr,
                         const v1::PodSandboxConfig* sandbox_config = nullptr, Timeout t = {});
  void remove_image(const std::string& image, Timeout t = {});
  v1::ImageFsInfoResponse image_fs_info(Timeout t = {});

 private:
  struct Stubs;
  std::string endpoint_;
  Timeout default_timeout_;
  std::unique_ptr<Stubs> stubs_;
};

}  // namespace k3s::cri
