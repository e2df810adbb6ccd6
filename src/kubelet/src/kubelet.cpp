// Wires the kubelet together: API client, CRI client, node status, CNI config, the pod
// informer feeding the pod workers, and the HTTPS API.
#include "kubelet/kubelet.h"

#include <arpa/inet.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "client/client.h"
#include "client/events.h"
#include "client/informer.h"
#include "cni_config.h"
#include "cri/cri.h"
#include "kubelet_server.h"
#include "node_status.h"
#include "image_gc.h"
#include "pod_workers.h"

namespace k3s::kubelet {
namespace fs = std::filesystem;

namespace {

bool is_loopback_nameserver(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address == "::1";
}

// k3s's rule: a resolv.conf whose nameservers are all loopback (systemd-resolved's stub) is
// useless inside pods; use the real upstream list or fall back to a public resolver.
std::string choose_resolv_conf(const KubeletConfig& config) {
  if (!config.resolv_conf.empty()) return config.resolv_conf;
  for (const char* candidate : {"/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"}) {
    std::ifstream in(candidate);
    if (!in) continue;
    std::string line;
    bool usable = false;
    while (std::getline(in, line)) {
      std::istringstream words(line);
      std::string key, value;
      words >> key >> value;
      if (key == "nameserver" && !is_loopback_nameserver(value)) usable = true;
    }
    if (usable) return candidate;
  }
  const std::string fallback = config.root_dir + "/k3s-resolv.conf";
  fs::create_directories(config.root_dir);
  std::ofstream(fallback, std::ios::trunc) << "nameserver 8.8.8.8\n";
  spdlog::warn("kubelet: no usable nameserver in /etc/resolv.conf; pods use {} (8.8.8.8)", fallback);
  return fallback;
}

}  // namespace

struct Kubelet::Impl {
  explicit Impl(KubeletConfig c) : config(std::move(c)) {}

  KubeletConfig config;
  std::string resolv_conf;
  std::unique_ptr<client::Client> api;
  std::unique_ptr<cri::Client> runtime;
  std::unique_ptr<client::EventRecorder> events;
  std::unique_ptr<NodeStatusManager> node_status;
  std::unique_ptr<PodWorkers> workers;
  std::unique_ptr<client::SharedInformer> pod_informer;
  std::unique_ptr<KubeletServer> server;
  std::atomic<bool> network_ready{false};
  std::thread orphan_cleanup;
  std::thread image_gc;
  std::atomic<bool> stopping{false};

  void on_pod_cidr(const std::string& cidr) {
    bool node_masquerade = false;
    if (config.prepare_pod_network) {
      try {
        config.prepare_pod_network(cidr);
        node_masquerade = true;
      } catch (const std::exception& e) {
        spdlog::warn("kubelet: node-wide masquerade for pod CIDR {} failed ({}); the bridge plugin masquerades each pod",
                     cidr, e.what());
      }
    }
    try {
      const std::string path = write_cni_conflist(config.cni_conf_dir, cidr, "/var/lib/cni/networks", !node_masquerade);
      spdlog::info("kubelet: pod CIDR {}; wrote CNI config {}", cidr, path);
      runtime->update_runtime_config(cidr);
      network_ready = true;
      if (workers) workers->wake_all();
      if (node_status) node_status->poke();
    } catch (const std::exception& e) {
      spdlog::error("kubelet: cannot configure pod network for {}: {}", cidr, e.what());
    }
  }
};

Kubelet::Kubelet(KubeletConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Kubelet::~Kubelet() { stop(); }

void Kubelet::start() {
  auto& s = *impl_;
  if (s.api) return;
  apply_kubelet_args(s.config);
  if (s.config.node_name.empty()) throw std::runtime_error("kubelet: node name is empty");
  for (const auto& taint : s.config.node_taints) parse_taint(taint);  // bad input fails now, not in a loop
  if (s.config.cni_conf_dir.empty()) s.config.cni_conf_dir = "/var/lib/rancher/k3s/agent/etc/cni/net.d";
  fs::create_directories(s.config.root_dir + "/pods");
  fs::create_directories(s.config.pod_log_dir);
  s.resolv_conf = choose_resolv_conf(s.config);
  s.config.api.user_agent = "kubelet/" + std::string(kKubeletVersion) + " (linux) k3s";
  s.api = std::make_unique<client::Client>(s.config.api);
  s.runtime = std::make_unique<cri::Client>(s.config.runtime_endpoint);
  s.events = std::make_unique<client::EventRecorder>(*s.api, "kubelet", s.config.node_name);

  SyncContext context{s.config, *s.api, *s.runtime, *s.events, nullptr, nullptr, s.resolv_conf};
  context.node_ip = [this] { return impl_->node_status ? impl_->node_status->node_ip() : std::string(); };
  context.network_ready = [this] { return impl_->network_ready.load(); };
  s.workers = std::make_unique<PodWorkers>(context);
  s.node_status = std::make_unique<NodeStatusManager>(s.config, *s.api, *s.runtime,
                                                      [this](const std::string& cidr) { impl_->on_pod_cidr(cidr); });

  if (!s.config.serving_cert.empty()) {
    s.server = std::make_unique<KubeletServer>(
        KubeletApiSources{s.config, *s.runtime, [this] { return impl_->workers->pods(); }});
    s.server->start();
  }
  s.node_status->start();
  s.workers->start();

  client::InformerOptions options;
  options.field_selector = "spec.nodeName=" + s.config.node_name;
  s.pod_informer = std::make_unique<client::SharedInformer>(*s.api, client::resources::kPods, options);
  client::EventHandlers handlers;
  handlers.on_add = [this](const client::ObjectPtr& pod) { impl_->workers->update(pod); };
  handlers.on_update = [this](const client::ObjectPtr&, const client::ObjectPtr& pod) { impl_->workers->update(pod); };
  handlers.on_delete = [this](const client::DeletedObject& deleted) {
    if (deleted.object) impl_->workers->remove(deleted.object);
  };
  s.pod_informer->add_event_handler(handlers);
  s.pod_informer->start();
  // Once the first list is in, sandboxes of pods that are gone (deleted while the kubelet was
  // down) are removed; the rest are adopted by their pods' workers.
  s.orphan_cleanup = std::thread([this] {
    auto& s = *impl_;
    while (!s.stopping && !s.pod_informer->wait_for_sync(std::chrono::seconds(1))) {
    }
    if (!s.stopping) s.workers->cleanup_orphans(s.pod_informer->indexer().list());
  });
  s.image_gc = std::thread([this] {
    auto& s = *impl_;
    ImageGarbageCollector collector(*s.runtime,
                                    {s.config.image_gc_high_threshold, s.config.image_gc_low_threshold,
                                     s.config.image_minimum_gc_age},
                                    s.config.pause_image);
    auto next = std::chrono::steady_clock::now() + s.config.image_gc_period;
    while (!s.stopping) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (std::chrono::steady_clock::now() < next) continue;
      next = std::chrono::steady_clock::now() + s.config.image_gc_period;
      try {
        collector.collect();
      } catch (const std::exception& e) {
        spdlog::warn("kubelet: image garbage collection failed: {}", e.what());
      }
    }
  });
  spdlog::info("kubelet: started for node {} (runtime {})", s.config.node_name, s.config.runtime_endpoint);
}

void Kubelet::stop() {
  auto& s = *impl_;
  s.stopping = true;
  if (s.pod_informer) s.pod_informer->stop();
  if (s.orphan_cleanup.joinable()) s.orphan_cleanup.join();
  if (s.image_gc.joinable()) s.image_gc.join();
  if (s.node_status) s.node_status->stop();
  if (s.workers) s.workers->stop();
  if (s.server) s.server->stop();
  if (s.events) s.events->flush();
}

bool Kubelet::node_registered() const { return impl_->node_status && impl_->node_status->registered(); }

int Kubelet::port() const { return impl_->server ? impl_->server->port() : 0; }

}  // namespace k3s::kubelet
