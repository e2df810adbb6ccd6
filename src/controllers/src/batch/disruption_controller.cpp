// The "disruption" controller: keeps each PodDisruptionBudget's status (expectedPods,
// currentHealthy, desiredHealthy, disruptionsAllowed, the DisruptionAllowed condition) in
// line with the pods it selects, which the eviction API then consults.
#include <cmath>
#include <map>

#include "batch/controllers.h"
#include "batch/job_util.h"
#include "controller_utils.h"
#include "object/labels.h"
#include "object/meta.h"

namespace k3s::controllers::batch {

namespace {

using client::resources::kPodDisruptionBudgets;
using client::resources::kPods;
namespace chrono = std::chrono;

// An eviction charged in status.disruptedPods that the pod's deletion has not shown after
// this long is given back (kube's DeletionTimeout).
constexpr auto kDisruptedPodTimeout = chrono::minutes(2);

// An int, or a "NN%" share of `total` rounded up.
std::optional<std::int64_t> scaled_value(const Json& value, std::int64_t total) {
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (!value.is_string()) return std::nullopt;
  std::string text = value;
  if (text.empty() || text.back() != '%') return std::nullopt;
  try {
    const double percent = std::stod(text.substr(0, text.size() - 1));
    return static_cast<std::int64_t>(std::ceil(percent * static_cast<double>(total) / 100.0));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

class DisruptionController : public QueueController {
 public:
  explicit DisruptionController(ControllerContext& context)
      : QueueController(context, "disruption"),
        budgets_(informers().informer_for(kPodDisruptionBudgets)),
        pods_(informers().informer_for(kPods)) {
    budgets_->add_event_handler(enqueue_handlers(Deletes::ignore));
    pods_->add_event_handler({
        .on_add = [this](const ObjectPtr& p) { enqueue_budgets_of(*p); },
        .on_update = [this](const ObjectPtr& old_pod, const ObjectPtr& p) {
          enqueue_budgets_of(*old_pod);
          enqueue_budgets_of(*p);
        },
        .on_delete = [this](const client::DeletedObject& d) { if (d.object) enqueue_budgets_of(*d.object); },
    });
  }

 protected:
  void sync(const std::string& key) override {
    const ObjectPtr cached = budgets_->indexer().get(key);
    if (!cached || object::is_being_deleted(*cached)) return;
    Json budget = *cached;
    const Json spec = budget.value("spec", Json::object());
    Json status = budget.value("status", Json::object());
    const Json old_status = status;
    const auto now = object::now();

    std::vector<Json> pods;
    for (const auto& p : pods_->indexer().by_index(client::kNamespaceIndex, object::namespace_of(budget)))
      if (selects(budget, *p)) pods.push_back(*p);

    // Charged evictions stay charged until the pod is seen going, or they time out.
    Json disrupted = status.value("disruptedPods", Json::object());
    Json kept_disrupted = Json::object();
    std::optional<chrono::milliseconds> recheck;
    for (const auto& [name, when] : disrupted.items()) {
      const Json* pod = nullptr;
      for (const auto& p : pods)
        if (object::name_of(p) == name) pod = &p;
      if (!pod || object::is_being_deleted(*pod)) continue;
      const auto at = object::parse_time(when.is_string() ? when.get<std::string>() : "");
      if (!at || *at + kDisruptedPodTimeout < now) continue;
      kept_disrupted[name] = when;
      const auto left = chrono::duration_cast<chrono::milliseconds>(*at + kDisruptedPodTimeout - now);
      recheck = recheck ? std::min(*recheck, left) : left;
    }

    std::int64_t healthy = 0;
    for (const auto& p : pods)
      if (!object::is_being_deleted(p) && is_pod_ready(p) && !kept_disrupted.contains(object::name_of(p))) ++healthy;

    std::int64_t expected = static_cast<std::int64_t>(pods.size()), desired = 0;
    std::string failure;
    const bool has_max = spec.contains("maxUnavailable") && !spec["maxUnavailable"].is_null();
    const Json min_available = spec.value("minAvailable", Json(1));
    if (has_max || min_available.is_string()) {
      // Percentages and maxUnavailable are relative to the controllers' declared scale.
      auto scale = controllers_scale(pods);
      if (!scale) {
        failure = "found no controllers for the selected pods";
      } else {
        expected = *scale;
        if (has_max) {
          const auto max_unavailable = scaled_value(spec["maxUnavailable"], expected);
          if (!max_unavailable) failure = "invalid maxUnavailable";
          else desired = std::max<std::int64_t>(0, expected - *max_unavailable);
        } else {
          const auto v = scaled_value(min_available, expected);
          if (!v) failure = "invalid minAvailable";
          else desired = *v;
        }
      }
    } else {
      desired = min_available.is_number_integer() ? min_available.get<std::int64_t>() : 1;
    }
    const std::string now_text = object::format_time(now);
    if (!failure.empty()) {
      events().event(budget, client::kEventTypeWarning, "CalculateExpectedPodCountFailed",
                     "Failed to calculate the number of expected pods: " + failure);
      status["disruptionsAllowed"] = 0;
      set_condition(status, "DisruptionAllowed", "False", "SyncFailed", failure, now_text);
    } else {
      const std::int64_t allowed = std::max<std::int64_t>(0, healthy - desired);
      status["currentHealthy"] = healthy;
      status["desiredHealthy"] = desired;
      status["expectedPods"] = expected;
      status["disruptionsAllowed"] = allowed;
      if (allowed > 0)
        set_condition(status, "DisruptionAllowed", "True", "SufficientPods", "", now_text);
      else
        set_condition(status, "DisruptionAllowed", "False", "InsufficientPods", "", now_text);
    }
    for (auto& c : status["conditions"]) {
      c.erase("lastProbeTime");  // PDB conditions are metav1.Conditions
      c["observedGeneration"] = object::generation_of(budget);
    }
    if (kept_disrupted.empty())
      status.erase("disruptedPods");
    else
      status["disruptedPods"] = kept_disrupted;
    status["observedGeneration"] = object::generation_of(budget);
    if (status != old_status) {
      budget["status"] = status;
      api().update_status(kPodDisruptionBudgets, budget);
    }
    if (recheck) enqueue_after(key, *recheck + chrono::milliseconds(100));
  }

 private:
  static bool selects(const Json& budget, const Json& pod) {
    const Json selector = budget.value("spec", Json::object()).value("selector", Json());
    if (!selector.is_object()) return false;
    try {
      return object::labels::Selector::from_label_selector(selector).matches(object::labels_of(pod));
    } catch (const std::exception&) {
      return false;
    }
  }

  void enqueue_budgets_of(const Json& pod) {
    for (const auto& b : budgets_->indexer().by_index(client::kNamespaceIndex, object::namespace_of(pod)))
      if (selects(*b, pod)) enqueue(*b);
  }

  // The sum of the declared replicas of the selected pods' controllers (each counted
  // once; a ReplicaSet owned by a Deployment counts as the Deployment); nullopt when a pod
  // has no controller with a scale.
  std::optional<std::int64_t> controllers_scale(const std::vector<Json>& pods) {
    std::map<std::string, std::int64_t> seen;
    for (const auto& p : pods) {
      const auto ref = object::controller_of(p);
      if (!ref) return std::nullopt;
      const std::string ns = object::namespace_of(p);
      std::optional<std::pair<std::string, std::int64_t>> scale;
      try {
        if (ref->kind == "ReplicaSet") {
          const Json rs = api().get(client::resources::kReplicaSets, ns, ref->name);
          const auto owner = object::controller_of(rs);
          if (owner && owner->kind == "Deployment") {
            const Json d = api().get(client::resources::kDeployments, ns, owner->name);
            scale = {{"Deployment/" + owner->name, d["spec"].value("replicas", 1)}};
          } else {
            scale = {{"ReplicaSet/" + ref->name, rs["spec"].value("replicas", 1)}};
          }
        } else if (ref->kind == "StatefulSet") {
          scale = {{"StatefulSet/" + ref->name,
                    api().get(client::resources::kStatefulSets, ns, ref->name)["spec"].value("replicas", 1)}};
        } else if (ref->kind == "ReplicationController") {
          scale = {{"ReplicationController/" + ref->name,
                    api().get(client::resources::kReplicationControllers, ns, ref->name)["spec"].value("replicas", 1)}};
        }
      } catch (const client::ApiError& e) {
        if (!e.is_not_found()) throw;
      }
      if (!scale) return std::nullopt;
      seen[scale->first] = scale->second;
    }
    std::int64_t total = 0;
    for (const auto& [_, n] : seen) total += n;
    return total;
  }

  std::shared_ptr<client::SharedInformer> budgets_, pods_;
};

}  // namespace

std::unique_ptr<Controller> make_disruption_controller(ControllerContext& context) {
  return std::make_unique<DisruptionController>(context);
}

}  // namespace k3s::controllers::batch
