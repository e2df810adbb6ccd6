#include "node_status.h"

#include <spdlog/spdlog.h>

#include "object/meta.h"

namespace k3s::kubelet {
namespace {

constexpr int64_t kMemoryPressureBytes = 100 * 1024 * 1024;  // eviction-hard memory.available<100Mi
constexpr double kDiskPressureFraction = 0.10;                // nodefs.available<10%

}  // namespace

Json parse_taint(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw std::invalid_argument("invalid taint \"" + text + "\": expected key=value:Effect");
  std::string effect = text.substr(colon + 1);
  if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute")
    throw std::invalid_argument("invalid taint \"" + text + "\": effect must be NoSchedule, PreferNoSchedule or NoExecute");
  std::string key_value = text.substr(0, colon);
  Json taint{{"effect", effect}};
  auto eq = key_value.find('=');
  taint["key"] = key_value.substr(0, eq);
  if (eq != std::string::npos) taint["value"] = key_value.substr(eq + 1);
  if (taint["key"].get<std::string>().empty()) throw std::invalid_argument("invalid taint \"" + text + "\": empty key");
  return taint;
}

std::map<std::string, std::string> node_labels(const KubeletConfig& config, const HostInfo& host) {
  std::map<std::string, std::string> labels{
      {"kubernetes.io/hostname", config.node_name},
      {"kubernetes.io/os", "linux"},
      {"kubernetes.io/arch", host.architecture},
      {"beta.kubernetes.io/os", "linux"},
      {"beta.kubernetes.io/arch", host.architecture},
      {"node.kubernetes.io/instance-type", "k3s"},
      {"beta.kubernetes.io/instance-type", "k3s"},
  };
  if (config.control_plane) {
    labels["node-role.kubernetes.io/control-plane"] = "true";
    labels["node-role.kubernetes.io/master"] = "true";
  }
  for (const auto& entry : config.node_labels) {
    auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument("invalid node label \"" + entry + "\": expected key=value");
    labels[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return labels;
}

NodeStatusManager::NodeStatusManager(const KubeletConfig& config, client::Client& api, cri::Client& runtime,
                                     std::function<void(const std::string&)> on_pod_cidr)
    : config_(config), api_(api), runtime_(runtime), on_pod_cidr_(std::move(on_pod_cidr)) {
  host_ = read_host_info(config_.root_dir);
  node_ip_ = config_.node_ips.empty() ? detect_node_ip() : config_.node_ips.front();
}

NodeStatusManager::~NodeStatusManager() { stop(); }

void NodeStatusManager::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void NodeStatusManager::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void NodeStatusManager::poke() {
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  wake_.notify_all();
}

std::string NodeStatusManager::pod_cidr() const {
  std::lock_guard lock(mu_);
  return pod_cidr_;
}

void NodeStatusManager::run() {
  using clock = std::chrono::steady_clock;
  auto next_status = clock::now();
  auto next_lease = clock::now();
  const auto lease_interval = std::max(std::chrono::seconds(1), config_.lease_duration / 4);
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (stopping_) return;
    }
    if (!registered_) {
      try {
        if (register_node()) registered_ = true;
      } catch (const std::exception& e) {
        spdlog::warn("kubelet: unable to register node {}: {}", config_.node_name, e.what());
      }
    }
    if (registered_) {
      const auto now = clock::now();
      bool posted = false;
      if (now >= next_lease) {
        try {
          renew_lease();
          next_lease = now + lease_interval;
        } catch (const std::exception& e) {
          spdlog::warn("kubelet: failed to renew lease {}: {}", config_.node_name, e.what());
          next_lease = now + std::chrono::seconds(2);
        }
      }
      bool poked;
      {
        std::lock_guard lock(mu_);
        poked = poked_;
        poked_ = false;
      }
      if (now >= next_status || poked) {
        try {
          post_status();
          posted = true;
          next_status = now + config_.node_status_update_frequency;
        } catch (const std::exception& e) {
          spdlog::warn("kubelet: error updating node status: {}", e.what());
          next_status = now + std::chrono::seconds(2);
        }
      }
      // Until node-ipam has given the node its podCIDR, look every second rather than at
      // the next status post (10 s): pods wait for the pod network until then.
      if (!posted && pod_cidr().empty()) {
        try {
          apply_pod_cidr(api_.get(client::resources::kNodes, "", config_.node_name));
        } catch (const std::exception& e) {
          spdlog::debug("kubelet: reading node {}: {}", config_.node_name, e.what());
        }
      }
    }
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_ || poked_; });
  }
}

bool NodeStatusManager::register_node() {
  if (runtime_version_.empty()) {
    auto version = runtime_.version();
    runtime_version_ = version.runtime_name() + "://" + version.runtime_version();
  }
  Json node{{"apiVersion", "v1"}, {"kind", "Node"}};
  node["metadata"] = {{"name", config_.node_name},
                      {"annotations",
                       {{"node.alpha.kubernetes.io/ttl", "0"},
                        {"volumes.kubernetes.io/controller-managed-attach-detach", "true"},
                        {"k3s.io/hostname", host_.hostname},
                        {"k3s.io/internal-ip", node_ip_}}}};
  Json labels = Json::object();
  for (const auto& [k, v] : node_labels(config_, host_)) labels[k] = v;
  node["metadata"]["labels"] = labels;
  Json taints = Json::array();
  for (const auto& t : config_.node_taints) taints.push_back(parse_taint(t));
  node["spec"] = Json::object();
  if (!taints.empty()) node["spec"]["taints"] = taints;
  Json created;
  try {
    created = api_.create(client::resources::kNodes, node);
    spdlog::info("kubelet: successfully registered node {}", config_.node_name);
  } catch (const client::ApiError& e) {
    if (e.code() != 409) throw;
    // Already registered (a restart): keep its spec, refresh our labels and annotations.
    Json patch{{"metadata", {{"labels", labels}, {"annotations", node["metadata"]["annotations"]}}}};
    created = api_.patch(client::resources::kNodes, "", config_.node_name, client::PatchType::merge, patch);
    spdlog::info("kubelet: node {} was already registered", config_.node_name);
  }
  node_uid_ = object::uid_of(created);
  post_status();
  return true;
}

Json NodeStatusManager::condition(const std::string& type, bool status, const std::string& reason,
                                  const std::string& message) {
  const std::string now = object::format_time(object::now());
  const std::string status_text = status ? "True" : "False";
  Json c{{"type", type}, {"status", status_text}, {"reason", reason}, {"message", message},
         {"lastHeartbeatTime", now}, {"lastTransitionTime", now}};
  auto previous = last_conditions_.find(type);
  if (previous != last_conditions_.end() && previous->second.value("status", "") == status_text)
    c["lastTransitionTime"] = previous->second["lastTransitionTime"];
  last_conditions_[type] = c;
  return c;
}

Json NodeStatusManager::build_status() {
  const std::string pods = std::to_string(config_.max_pods);
  Json resources{{"cpu", std::to_string(host_.cpus)},
                 {"memory", std::to_string(host_.memory_bytes / 1024) + "Ki"},
                 {"pods", pods},
                 {"ephemeral-storage", std::to_string(host_.ephemeral_storage_bytes / 1024) + "Ki"},
                 {"hugepages-1Gi", "0"},
                 {"hugepages-2Mi", "0"}};
  Json status;
  status["capacity"] = resources;
  status["allocatable"] = resources;

  const int64_t available_memory = available_memory_bytes();
  const bool memory_pressure = available_memory >= 0 && available_memory < kMemoryPressureBytes;
  uint64_t disk_available = 0, disk_capacity = 0, inodes_free = 0, inodes = 0;
  const bool disk_pressure = filesystem_usage(config_.root_dir, disk_available, disk_capacity, inodes_free, inodes) &&
                             disk_capacity > 0 &&
                             static_cast<double>(disk_available) / static_cast<double>(disk_capacity) < kDiskPressureFraction;

  bool runtime_ready = false, network_ready = false;
  std::string not_ready_message;
  try {
    auto runtime_status = runtime_.status();
    for (const auto& c : runtime_status.status().conditions()) {
      if (c.type() == "RuntimeReady") runtime_ready = c.status();
      if (c.type() == "NetworkReady") {
        network_ready = c.status();
        if (!c.status())
          not_ready_message = "container runtime network not ready: NetworkReady=false reason:" + c.reason() +
                              " message:" + c.message();
      }
    }
    if (!runtime_ready) not_ready_message = "container runtime is down";
  } catch (const std::exception& e) {
    not_ready_message = std::string("container runtime is down: ") + e.what();
  }
  const bool ready = runtime_ready && network_ready;

  status["conditions"] = Json::array({
      condition("MemoryPressure", memory_pressure, memory_pressure ? "KubeletHasInsufficientMemory" : "KubeletHasSufficientMemory",
                memory_pressure ? "kubelet has insufficient memory available" : "kubelet has sufficient memory available"),
      condition("DiskPressure", disk_pressure, disk_pressure ? "KubeletHasDiskPressure" : "KubeletHasNoDiskPressure",
                disk_pressure ? "kubelet has disk pressure" : "kubelet has no disk pressure"),
      condition("PIDPressure", false, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
      condition("Ready", ready, ready ? "KubeletReady" : "KubeletNotReady",
                ready ? "kubelet is posting ready status" : not_ready_message),
  });
  Json addresses = Json::array({{{"type", "InternalIP"}, {"address", node_ip_}}});
  for (const auto& ip : config_.node_external_ips) addresses.push_back({{"type", "ExternalIP"}, {"address", ip}});
  addresses.push_back({{"type", "Hostname"}, {"address", config_.node_name}});
  status["addresses"] = addresses;
  status["daemonEndpoints"] = {{"kubeletEndpoint", {{"Port", config_.port}}}};
  status["nodeInfo"] = {{"machineID", host_.machine_id},
                        {"systemUUID", host_.system_uuid},
                        {"bootID", host_.boot_id},
                        {"kernelVersion", host_.kernel_version},
                        {"osImage", host_.os_image},
                        {"containerRuntimeVersion", runtime_version_},
                        {"kubeletVersion", kKubeletVersion},
                        {"kubeProxyVersion", kKubeletVersion},
                        {"operatingSystem", "linux"},
                        {"architecture", host_.architecture}};
  return status;
}

void NodeStatusManager::post_status() {
  Json patch{{"status", build_status()}};
  client::PatchOptions options;
  options.subresource = "status";
  Json node = api_.patch(client::resources::kNodes, "", config_.node_name, client::PatchType::merge, patch, options);
  node_uid_ = object::uid_of(node);
  apply_pod_cidr(node);
}

void NodeStatusManager::apply_pod_cidr(const Json& node) {
  std::string cidr;
  if (node.contains("spec") && node["spec"].contains("podCIDR")) cidr = node["spec"].value("podCIDR", "");
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    if (cidr != pod_cidr_ && !cidr.empty()) {
      pod_cidr_ = cidr;
      changed = true;
    }
  }
  if (changed && on_pod_cidr_) on_pod_cidr_(cidr);
}

void NodeStatusManager::renew_lease() {
  const auto& leases = client::resources::kLeases;
  const std::string renew = object::format_micro_time(object::now());
  try {
    Json lease = api_.get(leases, "kube-node-lease", config_.node_name);
    lease["spec"]["holderIdentity"] = config_.node_name;
    lease["spec"]["leaseDurationSeconds"] = config_.lease_duration.count();
    lease["spec"]["renewTime"] = renew;
    api_.update(leases, lease);
  } catch (const client::ApiError& e) {
    if (e.code() != 404) throw;
    Json lease{{"apiVersion", "coordination.k8s.io/v1"},
               {"kind", "Lease"},
               {"metadata", {{"name", config_.node_name}, {"namespace", "kube-node-lease"}}},
               {"spec", {{"holderIdentity", config_.node_name},
                         {"leaseDurationSeconds", config_.lease_duration.count()},
                         {"renewTime", renew}}}};
    if (!node_uid_.empty())
      lease["metadata"]["ownerReferences"] = Json::array(
          {{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", config_.node_name}, {"uid", node_uid_}}});
    api_.create(leases, lease);
  }
}

}  // namespace k3s::kubelet
