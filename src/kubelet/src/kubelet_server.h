// The kubelet's HTTPS API (:10250): healthz, pods, containerLogs, exec/attach/portForward
// (bridged to containerd's streaming server), stats/summary, metrics and metrics/resource.
// Every request must carry a client certificate verified against the cluster's client CA.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cri/cri.h"
#include "http/server.h"
#include "kubelet/kubelet.h"

namespace k3s::kubelet {

struct KubeletApiSources {
  const KubeletConfig& config;
  cri::Client& runtime;
  std::function<std::vector<nlohmann::json>()> pods;  // pods bound to this node
};

class KubeletServer {
 public:
  explicit KubeletServer(KubeletApiSources sources);
  ~KubeletServer();
  void start();  // throws std::runtime_error (port in use, bad certificate)
  void stop();
  int port() const;

  http::Response handle(http::Request& request);

 private:
  http::Response container_logs(const http::Request& request, const std::vector<std::string>& parts);
  http::Response stream_request(http::Request& request, const std::vector<std::string>& parts);
  http::Response stats_summary();
  std::optional<nlohmann::json> find_pod(const std::string& ns, const std::string& name);

  KubeletApiSources sources_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace k3s::kubelet
