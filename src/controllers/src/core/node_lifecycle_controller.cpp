// "node-lifecycle": watches node heartbeats (the Ready condition's lastHeartbeatTime and
// the node's Lease in kube-node-lease). A node silent for longer than the grace period gets
// its conditions set to Unknown ("Kubelet stopped posting node status."); Ready=False or
// Unknown nodes get the not-ready / unreachable taints (NoSchedule and NoExecute), removed
// when the node recovers; pods on such nodes are marked not ready, and pods not tolerating
// a NoExecute taint are evicted (at once, or after their tolerationSeconds).
#include <spdlog/spdlog.h>

#include <map>
#include <mutex>

#include "core/core_controllers.h"
#include "core/taints.h"

namespace k3s::controllers::core {

namespace {

constexpr const char* kNodeLeaseNamespace = "kube-node-lease";
constexpr const char* kNodeNameIndex = "spec.nodeName";

Json conditions_of(const Json& o) { return o.value("status", Json::object()).value("conditions", Json::array()); }

const Json* find_condition(const Json& conditions, const std::string& type) {
  for (const auto& c : conditions)
    if (c.value("type", "") == type) return &c;
  return nullptr;
}

std::string ready_status(const Json& node) {
  const Json conditions = conditions_of(node);
  const Json* ready = find_condition(conditions, "Ready");
  return ready ? ready->value("status", "") : "";
}

class NodeLifecycleController : public QueueController {
 public:
  explicit NodeLifecycleController(ControllerContext& context) : QueueController(context, "node-lifecycle") {
    nodes_ = informers().informer_for(client::resources::kNodes);
    leases_ = informers().informer_for(client::resources::kLeases);
    pods_ = informers().informer_for(client::resources::kPods);
    pods_->add_index(kNodeNameIndex, client::index_by_field("spec.nodeName"));
    nodes_->add_event_handler({
        .on_add = [this](const ObjectPtr& n) { enqueue(*n); },
        .on_update = [this](const ObjectPtr&, const ObjectPtr& n) { enqueue(*n); },
        .on_delete = [this](const client::DeletedObject& d) {
          std::lock_guard lock(mu_);
          health_.erase(d.key);
        },
    });
    pods_->add_event_handler({
        .on_add = [this](const ObjectPtr& p) { pod_changed(*p); },
        .on_update = [this](const ObjectPtr&, const ObjectPtr& p) { pod_changed(*p); },
        .on_delete = nullptr,
    });
  }

 protected:
  std::chrono::milliseconds periodic_interval() const override { return options().node_monitor_period; }
  void periodic() override {
    for (const auto& node : nodes_->indexer().list()) {
      try {
        monitor(*node);
      } catch (const client::ApiError& e) {
        if (!e.is_conflict() && !e.is_not_found())
          spdlog::warn("node-lifecycle: node {}: {}", object::name_of(*node), e.what());
      }
    }
  }

  // Evicts the pods of one node that do not tolerate its NoExecute taints.
  void sync(const std::string& name) override {
    ObjectPtr node = nodes_->indexer().get(name);
    if (!node) return;
    const Json taints = node->value("spec", Json::object()).value("taints", Json::array());
    const auto now = object::now();
    std::optional<object::Timestamp> next_check;
    for (const auto& pod : pods_->indexer().by_index(kNodeNameIndex, name)) {
      if (object::is_being_deleted(*pod)) continue;
      const Json tolerations = pod->value("spec", Json::object()).value("tolerations", Json::array());
      auto when = eviction_time(taints, tolerations, now);
      if (!when) continue;
      if (*when > now) {
        if (!next_check || *when < *next_check) next_check = when;
        continue;
      }
      evict(*pod);
    }
    if (next_check)
      enqueue_after(name, std::chrono::duration_cast<std::chrono::milliseconds>(*next_check - now) +
                              std::chrono::milliseconds(100));
  }

 private:
  struct Health {
    std::string heartbeat, lease_renew;
    std::chrono::steady_clock::time_point probed;
    std::string observed_ready;
  };

  void pod_changed(const Json& pod) {
    const std::string node = pod.value("spec", Json::object()).value("nodeName", "");
    if (node.empty() || object::is_being_deleted(pod)) return;
    ObjectPtr n = nodes_->indexer().get(node);
    if (!n) return;
    for (const auto& t : n->value("spec", Json::object()).value("taints", Json::array()))
      if (t.value("effect", "") == "NoExecute") {
        enqueue(node);
        return;
      }
  }

  // Records when the node's heartbeat last moved, in our own clock (node clocks may skew);
  // returns true when it has been silent for longer than its grace period.
  bool silent_too_long(const Json& node) {
    const std::string name = object::name_of(node);
    const Json conditions = conditions_of(node);
    const Json* ready = find_condition(conditions, "Ready");
    const std::string heartbeat = ready ? ready->value("lastHeartbeatTime", "") : "";
    std::string renew;
    if (ObjectPtr lease = leases_->indexer().get(kNodeLeaseNamespace, name))
      renew = lease->value("spec", Json::object()).value("renewTime", "");
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    auto [it, fresh] = health_.try_emplace(name);
    Health& h = it->second;
    if (fresh || h.heartbeat != heartbeat || h.lease_renew != renew) {
      h.heartbeat = heartbeat;
      h.lease_renew = renew;
      h.probed = now;
    }
    const auto grace = ready ? options().node_monitor_grace_period : options().node_startup_grace_period;
    return now - h.probed > grace;
  }

  void monitor(const Json& node_in) {
    Json node = node_in;
    const std::string name = object::name_of(node);
    if (silent_too_long(node)) node = mark_unknown(node);

    const std::string status = ready_status(node);
    record_transition(node, status);
    const std::string now = object::format_time(object::now());
    Json current_taints = node.value("spec", Json::object()).value("taints", Json::array());
    Json taints = merge_condition_taints(current_taints, condition_taints(status, now));
    if (taints != current_taints) {
      Json patch = {{"metadata", {{"resourceVersion", object::resource_version_of(node)}}},
                    {"spec", {{"taints", taints.empty() ? Json(nullptr) : taints}}}};
      api().patch(client::resources::kNodes, "", name, client::PatchType::merge, patch);
    }
    if (status != "True") mark_pods_not_ready(name);
  }

  Json mark_unknown(const Json& node) {
    Json next = node;
    Json conditions = conditions_of(node);
    const std::string now = object::format_time(object::now());
    bool changed = false;
    if (!find_condition(conditions, "Ready")) {
      conditions.push_back({{"type", "Ready"},
                            {"status", "Unknown"},
                            {"reason", "NodeStatusNeverUpdated"},
                            {"message", "Kubelet never posted node status."},
                            {"lastHeartbeatTime", node["metadata"].value("creationTimestamp", now)},
                            {"lastTransitionTime", now}});
      changed = true;
    }
    for (auto& c : conditions) {
      const std::string type = c.value("type", "");
      if (type != "Ready" && type != "MemoryPressure" && type != "DiskPressure" && type != "PIDPressure") continue;
      if (c.value("status", "") == "Unknown") continue;
      c["status"] = "Unknown";
      c["reason"] = "NodeStatusUnknown";
      c["message"] = "Kubelet stopped posting node status.";
      c["lastTransitionTime"] = now;
      changed = true;
    }
    if (!changed) return node;
    next["status"]["conditions"] = conditions;
    return api().update_status(client::resources::kNodes, next);
  }

  void record_transition(const Json& node, const std::string& status) {
    const std::string name = object::name_of(node);
    std::string previous;
    {
      std::lock_guard lock(mu_);
      previous = health_[name].observed_ready;
      health_[name].observed_ready = status;
    }
    if (previous == status) return;
    if (status == "True" && !previous.empty())
      events().event(node, client::kEventTypeNormal, "NodeReady", "Node " + name + " status is now: NodeReady");
    if (status != "True" && (previous == "True" || previous.empty()))
      events().event(node, client::kEventTypeNormal, "NodeNotReady", "Node " + name + " status is now: NodeNotReady");
  }

  void mark_pods_not_ready(const std::string& node) {
    for (const auto& pod : pods_->indexer().by_index(kNodeNameIndex, node)) {
      Json conditions = conditions_of(*pod);
      bool changed = false;
      for (auto& c : conditions) {
        if (c.value("type", "") == "Ready" && c.value("status", "") == "True") {
          c["status"] = "False";
          c["lastTransitionTime"] = object::format_time(object::now());
          changed = true;
        }
      }
      if (!changed) continue;
      Json next = *pod;
      next["status"]["conditions"] = conditions;
      try {
        api().update_status(client::resources::kPods, next);
        events().event(*pod, client::kEventTypeWarning, "NodeNotReady", "Node is not ready");
      } catch (const client::ApiError& e) {
        if (!e.is_conflict() && !e.is_not_found()) throw;
      }
    }
  }

  void evict(const Json& pod) {
    const std::string key = client::object_key(pod);
    events().event(pod, client::kEventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod " + key);
    try {
      client::DeleteOptions options;
      options.precondition_uid = object::uid_of(pod);
      api().remove(client::resources::kPods, object::namespace_of(pod), object::name_of(pod), options);
      spdlog::info("node-lifecycle: evicted pod {} from node {}", key,
                   pod.value("spec", Json::object()).value("nodeName", ""));
    } catch (const client::ApiError& e) {
      if (!e.is_not_found() && !e.is_conflict()) throw;
    }
  }

  std::shared_ptr<client::SharedInformer> nodes_, leases_, pods_;
  std::mutex mu_;
  std::map<std::string, Health> health_;
};

}  // namespace

std::unique_ptr<Controller> make_node_lifecycle_controller(ControllerContext& context) {
  return std::make_unique<NodeLifecycleController>(context);
}

}  // namespace k3s::controllers::core
