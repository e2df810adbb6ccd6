#include "probes.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <chrono>
#include <memory>

#include <grpcpp/grpcpp.h>

#include "grpc/health/v1/health.grpc.pb.h"
#include "http/client.h"

namespace k3s::kubelet {
namespace {

using Json = nlohmann::json;

// grpc.health.v1.Health/Check over plaintext, as the kubelet's grpc probe does.
ProbeResult grpc_health_check(const std::string& target, const std::string& service, int timeout_seconds) {
  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(std::max(1, timeout_seconds)));
  context.AddMetadata("user-agent", "kube-probe/1.33");
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      return {false, "timeout: health rpc did not complete within " + std::to_string(std::max(1, timeout_seconds)) + "s"};
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE)
      return {false, "timeout: failed to connect service \"" + target + "\" within " +
                         std::to_string(std::max(1, timeout_seconds)) + "s: " + status.error_message()};
    return {false, "error: health rpc probe failed: " + status.error_message()};
  }
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING)
    return {false, "service unhealthy (responded with \"" +
                       grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()) + "\")"};
  return {true, ""};
}

int resolve_port(const Json& port, const Json& container) {
  if (port.is_number_integer()) return port.get<int>();
  if (port.is_string()) {
    const std::string name = port.get<std::string>();
    for (const auto& p : container.value("ports", Json::array()))
      if (p.value("name", "") == name) return p.value("containerPort", 0);
    try {
      return std::stoi(name);
    } catch (const std::exception&) {
    }
  }
  return 0;
}

// Connects with a deadline; returns the socket or -1 with `error` set.
int connect_with_timeout(const std::string& host, int port, int timeout_seconds, std::string& error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result); rc != 0) {
    error = "dial tcp: lookup " + host + ": " + gai_strerror(rc);
    return -1;
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> holder(result, freeaddrinfo);
  int fd = ::socket(result->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  const std::string target = host + ":" + std::to_string(port);
  if (::connect(fd, result->ai_addr, result->ai_addrlen) != 0 && errno != EINPROGRESS) {
    error = "dial tcp " + target + ": connect: " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, timeout_seconds * 1000) <= 0) {
    error = "dial tcp " + target + ": i/o timeout";
    ::close(fd);
    return -1;
  }
  int so_error = 0;
  socklen_t len = sizeof so_error;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
  if (so_error != 0) {
    error = "dial tcp " + target + ": connect: " + std::strerror(so_error);
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

ProbeResult run_probe(cri::Client& runtime, const std::string& container_id, const std::string& pod_ip,
                      const Json& container, const Json& handler) {
  const int timeout = std::max(1, handler.value("timeoutSeconds", 1));
  if (handler.contains("exec")) {
    std::vector<std::string> command;
    for (const auto& c : handler["exec"].value("command", Json::array())) command.push_back(c.get<std::string>());
    try {
      auto response = runtime.exec_sync(container_id, command, timeout);
      if (response.exit_code() == 0) return {true, ""};
      std::string output = response.stdout() + response.stderr();
      return {false, "command " + Json(command).dump() + " exited with " + std::to_string(response.exit_code()) +
                         (output.empty() ? "" : ": " + output)};
    } catch (const std::exception& e) {
      return {false, e.what()};
    }
  }
  if (handler.contains("tcpSocket")) {
    const Json& tcp = handler["tcpSocket"];
    std::string host = tcp.value("host", "");
    if (host.empty()) host = pod_ip;
    std::string error;
    int fd = connect_with_timeout(host, resolve_port(tcp.value("port", Json()), container), timeout, error);
    if (fd < 0) return {false, error};
    ::close(fd);
    return {true, ""};
  }
  if (handler.contains("httpGet")) {
    const Json& get = handler["httpGet"];
    std::string host = get.value("host", "");
    if (host.empty()) host = pod_ip;
    const std::string scheme = get.value("scheme", "HTTP") == "HTTPS" ? "https" : "http";
    std::string path = get.value("path", "/");
    if (path.empty() || path.front() != '/') path = "/" + path;
    const int port = resolve_port(get.value("port", Json()), container);
    http::ClientOptions options;
    options.insecure_skip_verify = true;  // the kubelet does not verify probe targets either
    options.timeout = std::chrono::seconds(timeout);
    try {
      http::Client client(scheme + "://" + host + ":" + std::to_string(port), options);
      http::Headers headers;
      headers.set("User-Agent", "kube-probe/1.33");
      headers.set("Accept", "*/*");
      for (const auto& h : get.value("httpHeaders", Json::array())) headers.set(h.value("name", ""), h.value("value", ""));
      auto response = client.request("GET", path, headers);
      if (response.status >= 200 && response.status < 400) return {true, ""};
      return {false, "HTTP probe failed with statuscode: " + std::to_string(response.status)};
    } catch (const std::exception& e) {
      return {false, std::string("Get \"") + scheme + "://" + host + ":" + std::to_string(port) + path + "\": " + e.what()};
    }
  }
  if (handler.contains("grpc")) {
    const Json& grpc_probe = handler["grpc"];
    const int port = grpc_probe.value("port", 0);
    return grpc_health_check(pod_ip + ":" + std::to_string(port), grpc_probe.value("service", ""), timeout);
  }
  if (handler.contains("sleep")) {
    ::sleep(static_cast<unsigned>(std::max(0, handler["sleep"].value("seconds", 0))));
    return {true, ""};
  }
  return {false, "probe has no handler"};
}

}  // namespace k3s::kubelet
