// The "horizontalpodautoscaling" controller. Without a metrics API in this distribution it
// cannot compute a replica count from utilisation; it still keeps the target within
// [minReplicas, maxReplicas] and reports, as kube does, that metrics are unavailable
// (ScalingActive=False, FailedGetResourceMetric).
#include <spdlog/spdlog.h>

#include "batch/controllers.h"
#include "batch/job_util.h"
#include "client/rest_mapper.h"
#include "object/meta.h"

namespace k3s::controllers::batch {

namespace {

using client::resources::kHPAs;
namespace chrono = std::chrono;

std::string first_metric_name(const Json& spec) {
  const Json metrics = spec.value("metrics", Json::array());
  if (metrics.empty()) return "cpu";  // the default metric: 80% CPU utilisation
  const Json& m = metrics[0];
  const std::string type = m.value("type", "");
  if (type == "Resource") return m.value("resource", Json::object()).value("name", "cpu");
  if (type == "ContainerResource") return m.value("containerResource", Json::object()).value("name", "cpu");
  return "";
}

class HpaController : public QueueController {
 public:
  explicit HpaController(ControllerContext& context)
      : QueueController(context, "horizontalpodautoscaling"), hpas_(informers().informer_for(kHPAs)) {
    hpas_->add_event_handler({
        .on_add = [this](const ObjectPtr& h) { enqueue(*h); },
        .on_update = [this](const ObjectPtr& a, const ObjectPtr& h) {
          if (a->value("spec", Json()) != h->value("spec", Json())) enqueue(*h);
        },
        .on_delete = nullptr,
    });
  }

 protected:
  // kube's --horizontal-pod-autoscaler-sync-period.
  std::chrono::milliseconds periodic_interval() const override { return chrono::seconds(15); }
  void periodic() override {
    for (const auto& h : hpas_->indexer().list()) enqueue(*h);
  }

  void sync(const std::string& key) override {
    const ObjectPtr cached = hpas_->indexer().get(key);
    if (!cached || object::is_being_deleted(*cached)) return;
    Json hpa = *cached;
    hpa["apiVersion"] = "autoscaling/v2";
    hpa["kind"] = "HorizontalPodAutoscaler";
    const Json spec = hpa.value("spec", Json::object());
    Json status = hpa.value("status", Json::object());
    const Json old_status = status;
    const std::string now = object::format_time(object::now());
    const Json target = spec.value("scaleTargetRef", Json::object());
    const std::string target_text = target.value("kind", "") + "/" + target.value("name", "");

    std::string scale_path;
    Json scale;
    try {
      auto info = api().mapper().find_kind(target.value("apiVersion", ""), target.value("kind", ""));
      if (!info) throw std::runtime_error("no matches for kind \"" + target.value("kind", "") + "\" in group");
      scale_path = client::resource_path(info->gvr, object::namespace_of(hpa), target.value("name", ""), "scale");
      scale = api().request_json("GET", scale_path);
    } catch (const std::exception& e) {
      const std::string message = std::string("the HPA controller was unable to get the target's current scale: ") + e.what();
      events().event(hpa, client::kEventTypeWarning, "FailedGetScale", e.what());
      set_condition(status, "AbleToScale", "False", "FailedGetScale", message, now);
      finish(hpa, status, old_status);
      return;
    }
    const std::int64_t current = scale.value("spec", Json::object()).value("replicas", std::int64_t{0});
    const std::int64_t min_replicas = spec.value("minReplicas", std::int64_t{1});
    const std::int64_t max_replicas = spec.value("maxReplicas", std::int64_t{1});
    status["currentReplicas"] = scale.value("status", Json::object()).value("replicas", current);
    std::int64_t desired = current;
    std::string rescale_reason;
    if (current == 0 && min_replicas != 0) {
      desired = 0;
      set_condition(status, "ScalingActive", "False", "ScalingDisabled",
                    "scaling is disabled since the replica count of the target is zero", now);
    } else if (current > max_replicas) {
      desired = max_replicas;
      rescale_reason = "Current number of replicas above Spec.MaxReplicas";
      set_condition(status, "ScalingLimited", "True", "TooManyReplicas",
                    "the desired replica count is more than the maximum replica count", now);
    } else if (current < min_replicas) {
      desired = min_replicas;
      rescale_reason = "Current number of replicas below Spec.MinReplicas";
      set_condition(status, "ScalingLimited", "True", "TooFewReplicas",
                    "the desired replica count is less than the minimum replica count", now);
    } else {
      // No resource metrics API (metrics.k8s.io) is served here.
      const std::string metric = first_metric_name(spec);
      const std::string failure =
          metric.empty()
              ? "unable to fetch metrics from custom metrics API: the server could not find the metric"
              : "failed to get " + metric + " utilization: unable to get metrics for resource " + metric +
                    ": unable to fetch metrics from resource metrics API: the server could not find the requested "
                    "resource (get pods.metrics.k8s.io)";
      const std::string reason = metric.empty() ? "FailedGetObjectMetric" : "FailedGetResourceMetric";
      events().event(hpa, client::kEventTypeWarning, reason, failure);
      set_condition(status, "ScalingActive", "False", reason,
                    "the HPA was unable to compute the replica count: " + failure, now);
    }
    if (desired != current && !rescale_reason.empty()) {
      scale["spec"]["replicas"] = desired;
      try {
        api().request_json("PUT", scale_path, scale.dump());
      } catch (const std::exception& e) {
        events().event(hpa, client::kEventTypeWarning, "FailedRescale",
                       "New size: " + std::to_string(desired) + "; reason: " + rescale_reason + "; error: " + e.what());
        set_condition(status, "AbleToScale", "False", "FailedUpdateScale",
                      std::string("the HPA controller was unable to update the target scale: ") + e.what(), now);
        finish(hpa, status, old_status);
        throw;
      }
      events().event(hpa, client::kEventTypeNormal, "SuccessfulRescale",
                     "New size: " + std::to_string(desired) + "; reason: " + rescale_reason);
      set_condition(status, "AbleToScale", "True", "SucceededRescale",
                    "the HPA controller was able to update the target scale to " + std::to_string(desired), now);
      status["lastScaleTime"] = now;
    } else {
      set_condition(status, "AbleToScale", "True", "SucceededGetScale",
                    "the HPA controller was able to get the target's current scale", now);
    }
    status["desiredReplicas"] = desired;
    (void)target_text;
    finish(hpa, status, old_status);
  }

 private:
  void finish(Json& hpa, Json& status, const Json& old_status) {
    // autoscaling/v2 conditions carry no lastProbeTime.
    for (auto& c : status["conditions"]) c.erase("lastProbeTime");
    status["observedGeneration"] = object::generation_of(hpa);
    if (!status.contains("currentReplicas")) status["currentReplicas"] = 0;
    if (!status.contains("desiredReplicas")) status["desiredReplicas"] = 0;
    if (status == old_status) return;
    hpa["status"] = status;
    api().update_status(kHPAs, hpa);
  }

  std::shared_ptr<client::SharedInformer> hpas_;
};

}  // namespace

std::unique_ptr<Controller> make_hpa_controller(ControllerContext& context) {
  return std::make_unique<HpaController>(context);
}

}  // namespace k3s::controllers::batch
