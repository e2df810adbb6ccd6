#include "control_plane.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <spdlog/spdlog.h>
#include <string>
#include <thread>

#include "client/client.h"
#include "client/kubeconfig.h"
#include "client/leader_election.h"
#include "controllers/controller_manager.h"
#include "object/meta.h"
#include "packaged_runtimes.h"
#include "scheduler/scheduler.h"

namespace k3s::server {

struct ControlPlane::Component {
  std::string name;
  std::unique_ptr<client::Client> client;
  std::unique_ptr<client::LeaderElector> elector;
  std::atomic<bool> stopping{false};
  std::thread thread;
};

namespace {

// The address the `kubernetes` Service's Endpoints publish: --advertise-address, else the
// first --node-ip, else a specific --bind-address, else loopback.
std::string advertised_api_address(const cli::ServerConfig& config) {
  if (!config.advertise_address.empty()) return config.advertise_address;
  if (!config.agent.node_ips.empty() && !config.agent.node_ips.front().empty()) return config.agent.node_ips.front();
  if (!config.bind_address.empty() && config.bind_address != "0.0.0.0" && config.bind_address != "::")
    return config.bind_address;
  return "127.0.0.1";
}

std::string candidate_identity() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return std::string(host) + "_" + object::new_uid();
}

}  // namespace

ControlPlane::ControlPlane(const cli::ServerConfig& config, const ServerCerts& certs, int api_port) {
  const std::string server = "https://127.0.0.1:" + std::to_string(api_port);
  auto add = [&](std::string name, const std::string& cert, const std::string& key,
                 std::function<void(client::Client&, std::stop_token)> lead,
                 std::function<void(client::RestConfig&)> tune = {}) {
    auto c = std::make_unique<Component>();
    c->name = name;
    client::RestConfig rest = client::config_from_certificates(server, certs.server_ca.cert_file, cert, key);
    if (tune) tune(rest);
    c->client = std::make_unique<client::Client>(rest);
    client::LeaderElectionConfig election;
    election.lease_name = name;
    election.identity = candidate_identity();
    auto* raw_client = c->client.get();
    election.on_started_leading = [name, raw_client, lead](std::stop_token stop) {
      spdlog::info("{}: became leader", name);
      lead(*raw_client, stop);
    };
    election.on_stopped_leading = [name] { spdlog::info("{}: leadership ended", name); };
    c->elector = std::make_unique<client::LeaderElector>(*c->client, election);
    auto* component = c.get();
    // Stand again after a lost Lease (another server took over, or the API was unreachable).
    c->thread = std::thread([component] {
      while (!component->stopping) {
        try {
          component->elector->run();
        } catch (const std::exception& e) {
          spdlog::warn("{}: leader election: {}", component->name, e.what());
        }
        for (int i = 0; i < 20 && !component->stopping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
    components_.push_back(std::move(c));
  };

  if (!config.disable_controller_manager) {
    controllers::ControllerManagerOptions options;
    options.cluster_cidr = config.cluster_cidr;
    options.service_cidr = config.service_cidr;
    options.root_ca_file = certs.server_ca.cert_file;
    options.client_ca_cert_file = certs.client_ca.cert_file;
    options.client_ca_key_file = certs.client_ca.key_file;
    options.server_ca_cert_file = certs.server_ca.cert_file;
    options.server_ca_key_file = certs.server_ca.key_file;
    options.apiserver_advertise_address = advertised_api_address(config);
    options.apiserver_advertise_port = config.advertise_port ? config.advertise_port : api_port;
    controllers::apply_controller_manager_args(options, config.kube_controller_manager_args);
    add("kube-controller-manager", certs.controller_cert, certs.controller_key,
        [options](client::Client& c, std::stop_token stop) { controllers::run_controller_manager(c, options, stop); },
        [&options](client::RestConfig& rest) {
          rest.qps = options.kube_api_qps;
          rest.burst = options.kube_api_burst;
        });
  }
  const bool runtimes_disabled =
      std::find(config.disable.begin(), config.disable.end(), kRuntimesComponent) != config.disable.end();
  packaged_ = std::jthread(
      [rest = client::config_from_certificates(server, certs.server_ca.cert_file, certs.admin_cert, certs.admin_key),
       runtimes_disabled](std::stop_token stop) {
        client::Client api(rest);
        deploy_runtime_classes(api, runtimes_disabled, stop);
      });
  if (!config.disable_scheduler) {
    scheduler::SchedulerOptions options;
    for (const auto& flag : scheduler::apply_scheduler_args(options, config.kube_scheduler_args))
      spdlog::warn("kube-scheduler flag {} is not supported here; ignored", flag);
    add(
        "kube-scheduler", certs.scheduler_cert, certs.scheduler_key,
        [options](client::Client& c, std::stop_token stop) { scheduler::run_with_client(c, options, stop); },
        [&options](client::RestConfig& rest) {
          rest.qps = options.kube_api_qps;
          rest.burst = options.kube_api_burst;
        });
  }
}

void ControlPlane::stop() {
  if (packaged_.joinable()) {
    packaged_.request_stop();
    packaged_.join();
  }
  for (auto& c : components_) {
    c->stopping = true;
    c->elector->stop();
  }
  for (auto& c : components_) {
    if (c->thread.joinable()) c->thread.join();
  }
}

ControlPlane::~ControlPlane() { stop(); }

}  // namespace k3s::server
