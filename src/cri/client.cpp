#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <thread>

#include "cri/api.grpc.pb.h"
#include "cri/cri.h"

namespace k3s::cri {
namespace {

// Image lists and verbose statuses of busy nodes exceed gRPC's 4 MiB default.
constexpr int kMaxMessageBytes = 16 * 1024 * 1024;
constexpr auto kPullTimeout = std::chrono::minutes(30);

const char* code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK: return "OK";
    case grpc::CANCELLED: return "Canceled";
    case grpc::UNKNOWN: return "Unknown";
    case grpc::INVALID_ARGUMENT: return "InvalidArgument";
    case grpc::DEADLINE_EXCEEDED: return "DeadlineExceeded";
    case grpc::NOT_FOUND: return "NotFound";
    case grpc::ALREADY_EXISTS: return "AlreadyExists";
    case grpc::PERMISSION_DENIED: return "PermissionDenied";
    case grpc::RESOURCE_EXHAUSTED: return "ResourceExhausted";
    case grpc::FAILED_PRECONDITION: return "FailedPrecondition";
    case grpc::ABORTED: return "Aborted";
    case grpc::OUT_OF_RANGE: return "OutOfRange";
    case grpc::UNIMPLEMENTED: return "Unimplemented";
    case grpc::INTERNAL: return "Internal";
    case grpc::UNAVAILABLE: return "Unavailable";
    case grpc::DATA_LOSS: return "DataLoss";
    case grpc::UNAUTHENTICATED: return "Unauthenticated";
    default: return "Unknown";
  }
}

}  // namespace

Error::Error(std::string method, int code, std::string code_name, std::string message)
    : std::runtime_error("rpc error: code = " + code_name + " desc = " + message),
      method_(std::move(method)),
      code_(code),
      code_name_(std::move(code_name)),
      message_(std::move(message)) {}

std::string normalize_endpoint(const std::string& endpoint) {
  std::string path;
  if (endpoint.rfind("unix://", 0) == 0) {
    path = endpoint.substr(7);
  } else if (endpoint.rfind("unix:", 0) == 0) {
    path = endpoint.substr(5);
  } else if (!endpoint.empty() && endpoint.front() == '/') {
    path = endpoint;
  } else {
    throw std::invalid_argument("unsupported runtime endpoint \"" + endpoint +
                                "\": expected unix:///path/to/socket");
  }
  if (path.empty() || path.front() != '/') {
    throw std::invalid_argument("runtime endpoint \"" + endpoint + "\" must name an absolute socket path");
  }
  return "unix://" + path;
}

struct Client::Stubs {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::RuntimeService::Stub> runtime;
  std::unique_ptr<v1::ImageService::Stub> image;
};

Client::Client(const std::string& endpoint, Timeout default_timeout)
    : endpoint_(normalize_endpoint(endpoint)), default_timeout_(default_timeout), stubs_(std::make_unique<Stubs>()) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  // The kubelet's reconnect schedule (100 ms, growing to 3 s) instead of gRPC's (1 s growing
  // to 120 s), so a runtime that is still starting is seen soon after its socket appears.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 3000);
  stubs_->channel = grpc::CreateCustomChannel(endpoint_, grpc::InsecureChannelCredentials(), args);
  stubs_->runtime = v1::RuntimeService::NewStub(stubs_->channel);
  stubs_->image = v1::ImageService::NewStub(stubs_->channel);
}

Client::~Client() = default;

namespace {

template <class Stub, class Request, class Response>
Response invoke(const char* method, Stub& stub,
                grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*), const Request& request,
                std::chrono::milliseconds timeout) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  Response response;
  grpc::Status status = (stub.*rpc)(&context, request, &response);
  if (!status.ok()) {
    throw Error(method, static_cast<int>(status.error_code()), code_name(status.error_code()),
                status.error_message());
  }
  return response;
}

}  // namespace

#define K3S_CRI_RUNTIME(Method, request, t) \
  invoke(#Method, *stubs_->runtime, &v1::RuntimeService::Stub::Method, request, (t).count() ? (t) : default_timeout_)
#define K3S_CRI_IMAGE(Method, request, t) \
  invoke(#Method, *stubs_->image, &v1::ImageService::Stub::Method, request, (t).count() ? (t) : default_timeout_)

bool Client::wait_until_ready(Timeout budget) {
  auto give_up = std::chrono::steady_clock::now() + budget;
  auto pause = std::chrono::milliseconds(50);
  while (true) {
    // Waiting on the channel drives its connection attempt. Without a call in progress
    // nothing reads the runtime's HTTP/2 SETTINGS, the attempt times out, and a fail-fast
    // Version during the backoff that follows fails at once: a containerd that was serving
    // after 0.1 s went unseen for ~5 s.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(give_up - std::chrono::steady_clock::now());
    stubs_->channel->WaitForConnected(std::chrono::system_clock::now() +
                                      std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(2000)));
    try {
      version(std::chrono::seconds(2));
      return true;
    } catch (const Error&) {
    }
    if (std::chrono::steady_clock::now() + pause >= give_up) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::milliseconds>(pause * 2, std::chrono::milliseconds(500));
  }
}

v1::VersionResponse Client::version(Timeout t) {
  v1::VersionRequest request;
  request.set_version("v1");
  return K3S_CRI_RUNTIME(Version, request, t);
}

v1::StatusResponse Client::status(bool verbose, Timeout t) {
  v1::StatusRequest request;
  request.set_verbose(verbose);
  return K3S_CRI_RUNTIME(Status, request, t);
}

void Client::update_runtime_config(const std::string& pod_cidr, Timeout t) {
  v1::UpdateRuntimeConfigRequest request;
  request.mutable_runtime_config()->mutable_network_config()->set_pod_cidr(pod_cidr);
  K3S_CRI_RUNTIME(UpdateRuntimeConfig, request, t);
}

v1::RuntimeConfigResponse Client::runtime_config(Timeout t) {
  return K3S_CRI_RUNTIME(RuntimeConfig, v1::RuntimeConfigRequest{}, t);
}

std::string Client::run_pod_sandbox(const v1::PodSandboxConfig& config, const std::string& runtime_handler,
                                    Timeout t) {
  v1::RunPodSandboxRequest request;
  *request.mutable_config() = config;
  request.set_runtime_handler(runtime_handler);
  // Sandbox start includes CNI setup and, on a cold node, unpacking the pause image.
  if (!t.count()) t = std::max<Timeout>(default_timeout_, std::chrono::minutes(4));
  return K3S_CRI_RUNTIME(RunPodSandbox, request, t).pod_sandbox_id();
}

void Client::stop_pod_sandbox(const std::string& id, Timeout t) {
  v1::StopPodSandboxRequest request;
  request.set_pod_sandbox_id(id);
  if (!t.count()) t = std::max<Timeout>(default_timeout_, std::chrono::minutes(2));
  K3S_CRI_RUNTIME(StopPodSandbox, request, t);
}

void Client::remove_pod_sandbox(const std::string& id, Timeout t) {
  v1::RemovePodSandboxRequest request;
  request.set_pod_sandbox_id(id);
  if (!t.count()) t = std::max<Timeout>(default_timeout_, std::chrono::minutes(2));
  K3S_CRI_RUNTIME(RemovePodSandbox, request, t);
}

v1::PodSandboxStatusResponse Client::pod_sandbox_status(const std::string& id, bool verbose, Timeout t) {
  v1::PodSandboxStatusRequest request;
  request.set_pod_sandbox_id(id);
  request.set_verbose(verbose);
  return K3S_CRI_RUNTIME(PodSandboxStatus, request, t);
}

std::vector<v1::PodSandbox> Client::list_pod_sandbox(const v1::PodSandboxFilter& filter, Timeout t) {
  v1::ListPodSandboxRequest request;
  *request.mutable_filter() = filter;
  auto response = K3S_CRI_RUNTIME(ListPodSandbox, request, t);
  return {response.items().begin(), response.items().end()};
}

std::string Client::create_container(const std::string& pod_sandbox_id, const v1::ContainerConfig& config,
                                     const v1::PodSandboxConfig& sandbox_config, Timeout t) {
  v1::CreateContainerRequest request;
  request.set_pod_sandbox_id(pod_sandbox_id);
  *request.mutable_config() = config;
  *request.mutable_sandbox_config() = sandbox_config;
  if (!t.count()) t = std::max<Timeout>(default_timeout_, std::chrono::minutes(4));
  return K3S_CRI_RUNTIME(CreateContainer, request, t).container_id();
}

void Client::start_container(const std::string& id, Timeout t) {
  v1::StartContainerRequest request;
  request.set_container_id(id);
  if (!t.count()) t = std::max<Timeout>(default_timeout_, std::chrono::minutes(2));
  K3S_CRI_RUNTIME(StartContainer, request, t);
}

void Client::stop_container(const std::string& id, int64_t grace_seconds, Timeout t) {
  v1::StopContainerRequest request;
  request.set_container_id(id);
  request.set_timeout(grace_seconds);
  if (!t.count()) t = default_timeout_ + std::chrono::seconds(std::max<int64_t>(grace_seconds, 0));
  K3S_CRI_RUNTIME(StopContainer, request, t);
}

void Client::remove_container(const std::string& id, Timeout t) {
  v1::RemoveContainerRequest request;
  request.set_container_id(id);
  if (!t.count()) t = std::max<Timeout>(default_timeout_, std::chrono::minutes(2));
  K3S_CRI_RUNTIME(RemoveContainer, request, t);
}

std::vector<v1::Container> Client::list_containers(const v1::ContainerFilter& filter, Timeout t) {
  v1::ListContainersRequest request;
  *request.mutable_filter() = filter;
  auto response = K3S_CRI_RUNTIME(ListContainers, request, t);
  return {response.containers().begin(), response.containers().end()};
}

v1::ContainerStatusResponse Client::container_status(const std::string& id, bool verbose, Timeout t) {
  v1::ContainerStatusRequest request;
  request.set_container_id(id);
  request.set_verbose(verbose);
  return K3S_CRI_RUNTIME(ContainerStatus, request, t);
}

void Client::update_container_resources(const std::string& id, const v1::LinuxContainerResources& resources,
                                        Timeout t) {
  v1::UpdateContainerResourcesRequest request;
  request.set_container_id(id);
  *request.mutable_linux() = resources;
  K3S_CRI_RUNTIME(UpdateContainerResources, request, t);
}

void Client::reopen_container_log(const std::string& id, Timeout t) {
  v1::ReopenContainerLogRequest request;
  request.set_container_id(id);
  K3S_CRI_RUNTIME(ReopenContainerLog, request, t);
}

v1::ExecSyncResponse Client::exec_sync(const std::string& id, const std::vector<std::string>& cmd,
                                       int64_t timeout_seconds, Timeout t) {
  v1::ExecSyncRequest request;
  request.set_container_id(id);
  for (const auto& arg : cmd) request.add_cmd(arg);
  request.set_timeout(timeout_seconds);
  if (!t.count()) {
    // Without a runtime-side limit the command may legitimately run for long.
    t = timeout_seconds > 0 ? default_timeout_ + std::chrono::seconds(timeout_seconds)
                            : std::max<Timeout>(default_timeout_, std::chrono::hours(1));
  }
  return K3S_CRI_RUNTIME(ExecSync, request, t);
}

std::string Client::exec_url(const v1::ExecRequest& request, Timeout t) {
  return K3S_CRI_RUNTIME(Exec, request, t).url();
}

std::string Client::attach_url(const v1::AttachRequest& request, Timeout t) {
  return K3S_CRI_RUNTIME(Attach, request, t).url();
}

std::string Client::port_forward_url(const std::string& pod_sandbox_id, const std::vector<int32_t>& ports,
                                     Timeout t) {
  v1::PortForwardRequest request;
  request.set_pod_sandbox_id(pod_sandbox_id);
  for (auto port : ports) request.add_port(port);
  return K3S_CRI_RUNTIME(PortForward, request, t).url();
}

v1::ContainerStats Client::container_stats(const std::string& id, Timeout t) {
  v1::ContainerStatsRequest request;
  request.set_container_id(id);
  return K3S_CRI_RUNTIME(ContainerStats, request, t).stats();
}

std::vector<v1::ContainerStats> Client::list_container_stats(const v1::ContainerStatsFilter& filter, Timeout t) {
  v1::ListContainerStatsRequest request;
  *request.mutable_filter() = filter;
  auto response = K3S_CRI_RUNTIME(ListContainerStats, request, t);
  return {response.stats().begin(), response.stats().end()};
}

v1::PodSandboxStats Client::pod_sandbox_stats(const std::string& id, Timeout t) {
  v1::PodSandboxStatsRequest request;
  request.set_pod_sandbox_id(id);
  return K3S_CRI_RUNTIME(PodSandboxStats, request, t).stats();
}

std::vector<v1::PodSandboxStats> Client::list_pod_sandbox_stats(const v1::PodSandboxStatsFilter& filter,
                                                                Timeout t) {
  v1::ListPodSandboxStatsRequest request;
  *request.mutable_filter() = filter;
  auto response = K3S_CRI_RUNTIME(ListPodSandboxStats, request, t);
  return {response.stats().begin(), response.stats().end()};
}

std::vector<v1::Image> Client::list_images(const v1::ImageFilter& filter, Timeout t) {
  v1::ListImagesRequest request;
  *request.mutable_filter() = filter;
  auto response = K3S_CRI_IMAGE(ListImages, request, t);
  return {response.images().begin(), response.images().end()};
}

v1::ImageStatusResponse Client::image_status(const std::string& image, bool verbose, Timeout t) {
  v1::ImageStatusRequest request;
  request.mutable_image()->set_image(image);
  request.set_verbose(verbose);
  return K3S_CRI_IMAGE(ImageStatus, request, t);
}

std::string Client::pull_image(const std::string& image, const v1::AuthConfig* auth,
                               const v1::PodSandboxConfig* sandbox_config, Timeout t) {
  v1::PullImageRequest request;
  request.mutable_image()->set_image(image);
  if (auth) *request.mutable_auth() = *auth;
  if (sandbox_config) *request.mutable_sandbox_config() = *sandbox_config;
  if (!t.count()) t = std::max<Timeout>(default_timeout_, kPullTimeout);
  return K3S_CRI_IMAGE(PullImage, request, t).image_ref();
}

void Client::remove_image(const std::string& image, Timeout t) {
  v1::RemoveImageRequest request;
  request.mutable_image()->set_image(image);
  K3S_CRI_IMAGE(RemoveImage, request, t);
}

v1::ImageFsInfoResponse Client::image_fs_info(Timeout t) {
  return K3S_CRI_IMAGE(ImageFsInfo, v1::ImageFsInfoRequest{}, t);
}

}  // namespace k3s::cri
