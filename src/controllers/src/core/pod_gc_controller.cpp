// "pod-gc": every 20 s force-deletes (grace 0)
//  - terminated pods (Succeeded/Failed) beyond terminated_pod_gc_threshold, oldest first;
//  - pods bound to a node that has not existed for a 40 s quarantine (confirmed with the
//    API server), after marking them DisruptionTarget / Failed;
//  - terminating pods that were never scheduled;
//  - terminating pods on a not-ready node taken out of service
//    (node.kubernetes.io/out-of-service taint).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "core/core_controllers.h"
#include "core/taints.h"

namespace k3s::controllers::core {

namespace {

constexpr std::chrono::seconds kCheckPeriod{20};
constexpr std::chrono::seconds kQuarantine{40};

std::string phase_of(const Json& pod) { return pod.value("status", Json::object()).value("phase", ""); }
std::string node_of(const Json& pod) { return pod.value("spec", Json::object()).value("nodeName", ""); }

bool node_ready(const Json& node) {
  for (const auto& c : node.value("status", Json::object()).value("conditions", Json::array()))
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  return false;
}

bool out_of_service(const Json& node) {
  for (const auto& t : node.value("spec", Json::object()).value("taints", Json::array()))
    if (t.value("key", "") == kTaintOutOfService && t.value("effect", "") == "NoExecute") return true;
  return false;
}

class PodGCController : public QueueController {
 public:
  explicit PodGCController(ControllerContext& context) : QueueController(context, "pod-gc") {
    pods_ = informers().informer_for(client::resources::kPods);
    nodes_ = informers().informer_for(client::resources::kNodes);
  }

 protected:
  std::chrono::milliseconds periodic_interval() const override { return kCheckPeriod; }
  void periodic() override {
    auto pods = pods_->indexer().list();
    gc_terminated(pods);
    gc_orphaned(pods);
    gc_unscheduled_terminating(pods);
    gc_terminating_out_of_service(pods);
  }
  // Work is done in periodic(); the queue stays empty.
  void sync(const std::string&) override {}

 private:
  void force_delete(const Json& pod, const std::string& why) {
    client::DeleteOptions options;
    options.grace_period_seconds = 0;
    options.precondition_uid = object::uid_of(pod);
    try {
      api().remove(client::resources::kPods, object::namespace_of(pod), object::name_of(pod), options);
      spdlog::info("pod-gc: deleted pod {} ({})", client::object_key(pod), why);
    } catch (const client::ApiError& e) {
      if (!e.is_not_found() && !e.is_conflict())
        spdlog::warn("pod-gc: deleting pod {}: {}", client::object_key(pod), e.what());
    }
  }

  void gc_terminated(const std::vector<ObjectPtr>& pods) {
    const int threshold = options().terminated_pod_gc_threshold;
    if (threshold <= 0) return;
    std::vector<ObjectPtr> terminated;
    for (const auto& p : pods) {
      const std::string phase = phase_of(*p);
      if ((phase == "Succeeded" || phase == "Failed") && !object::is_being_deleted(*p)) terminated.push_back(p);
    }
    if (terminated.size() <= static_cast<std::size_t>(threshold)) return;
    std::sort(terminated.begin(), terminated.end(), [](const ObjectPtr& a, const ObjectPtr& b) {
      return std::make_pair(object::creation_timestamp_of(*a), object::name_of(*a)) <
             std::make_pair(object::creation_timestamp_of(*b), object::name_of(*b));
    });
    const std::size_t excess = terminated.size() - threshold;
    spdlog::info("pod-gc: {} terminated pods, threshold {}: deleting the {} oldest", terminated.size(), threshold,
                 excess);
    for (std::size_t i = 0; i < excess; ++i) force_delete(*terminated[i], "terminated pod beyond the threshold");
  }

  void gc_orphaned(const std::vector<ObjectPtr>& pods) {
    const auto now = std::chrono::steady_clock::now();
    std::set<std::string> missing_now;
    for (const auto& p : pods) {
      const std::string node = node_of(*p);
      if (node.empty() || nodes_->indexer().get(node)) continue;
      missing_now.insert(node);
    }
    // Nodes back (or never missing) leave quarantine; newly missing ones enter it.
    for (auto it = missing_since_.begin(); it != missing_since_.end();)
      it = missing_now.count(it->first) ? std::next(it) : missing_since_.erase(it);
    for (const auto& node : missing_now) missing_since_.try_emplace(node, now);

    for (const auto& [node, since] : missing_since_) {
      if (now - since < kQuarantine) continue;
      try {
        api().get(client::resources::kNodes, "", node);
        continue;  // the cache lags: the node exists
      } catch (const client::ApiError& e) {
        if (!e.is_not_found()) continue;
      } catch (const client::TransportError&) {
        continue;
      }
      for (const auto& p : pods) {
        if (node_of(*p) != node) continue;
        mark_disrupted(*p);
        force_delete(*p, "node " + node + " no longer exists");
      }
    }
  }

  // kube records why the pod goes: condition DisruptionTarget, and phase Failed for a pod
  // that had not finished.
  void mark_disrupted(const Json& pod) {
    Json next = pod;
    Json conditions = pod.value("status", Json::object()).value("conditions", Json::array());
    const std::string now = object::format_time(object::now());
    conditions.erase(std::remove_if(conditions.begin(), conditions.end(),
                                    [](const Json& c) { return c.value("type", "") == "DisruptionTarget"; }),
                     conditions.end());
    conditions.push_back({{"type", "DisruptionTarget"},
                          {"status", "True"},
                          {"reason", "DeletionByPodGC"},
                          {"message", "PodGC: node no longer exists"},
                          {"lastTransitionTime", now}});
    next["status"]["conditions"] = conditions;
    const std::string phase = phase_of(pod);
    if (phase != "Succeeded" && phase != "Failed") next["status"]["phase"] = "Failed";
    try {
      api().update_status(client::resources::kPods, next);
    } catch (const client::ApiError&) {
      // The deletion that follows matters more than the record.
    }
  }

  void gc_unscheduled_terminating(const std::vector<ObjectPtr>& pods) {
    for (const auto& p : pods)
      if (object::is_being_deleted(*p) && node_of(*p).empty()) force_delete(*p, "terminating and never scheduled");
  }

  void gc_terminating_out_of_service(const std::vector<ObjectPtr>& pods) {
    for (const auto& p : pods) {
      if (!object::is_being_deleted(*p)) continue;
      ObjectPtr node = nodes_->indexer().get(node_of(*p));
      if (!node || node_ready(*node) || !out_of_service(*node)) continue;
      force_delete(*p, "terminating on out-of-service node " + node_of(*p));
    }
  }

  std::shared_ptr<client::SharedInformer> pods_, nodes_;
  std::map<std::string, std::chrono::steady_clock::time_point> missing_since_;
};

}  // namespace

std::unique_ptr<Controller> make_pod_gc_controller(ControllerContext& context) {
  return std::make_unique<PodGCController>(context);
}

}  // namespace k3s::controllers::core
