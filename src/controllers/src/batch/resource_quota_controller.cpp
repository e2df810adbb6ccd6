// The "resourcequota" controller: mirrors spec.hard into status.hard and computes
// status.used for every key: object counts (pods, services, configmaps, count/<resource>),
// compute requests/limits of the non-terminal pods, and storage requested by claims.
#include "batch/controllers.h"
#include "object/quota_usage.h"
#include "client/rest_mapper.h"
#include "object/meta.h"

namespace k3s::controllers::batch {

namespace {

using client::resources::kPersistentVolumeClaims;
using client::resources::kPods;
using client::resources::kResourceQuotas;
using client::resources::kServices;
using object::Quantity;
using object::compute_usage;
using object::counted_resource;
using object::CountedResource;
using object::object_quota_usage;
using object::pod_counts_for_quota;

class ResourceQuotaController : public QueueController {
 public:
  explicit ResourceQuotaController(ControllerContext& context)
      : QueueController(context, "resourcequota"),
        quotas_(informers().informer_for(kResourceQuotas)),
        pods_(informers().informer_for(kPods)) {
    quotas_->add_event_handler({
        .on_add = [this](const ObjectPtr& q) { enqueue(*q); },
        .on_update = [this](const ObjectPtr& old_quota, const ObjectPtr& q) {
          if (old_quota->value("spec", Json()) != q->value("spec", Json()) || !q->contains("status")) enqueue(*q);
        },
        .on_delete = nullptr,
    });
    // Replenishment: a change to a counted object re-evaluates its namespace's quotas.
    for (const auto& resource : {kPods, kServices, kPersistentVolumeClaims, client::resources::kConfigMaps,
                                 client::resources::kSecrets, client::resources::kReplicationControllers}) {
      auto informer = resource == kPods ? pods_ : informers().informer_for(resource);
      watched_.push_back(informer);
      informer->add_event_handler({
          .on_add = [this](const ObjectPtr& o) { enqueue_namespace(object::namespace_of(*o)); },
          .on_update = [this](const ObjectPtr& a, const ObjectPtr& b) {
            if (a->value("spec", Json()) != b->value("spec", Json()) ||
                a->value("status", Json::object()).value("phase", "") != b->value("status", Json::object()).value("phase", ""))
              enqueue_namespace(object::namespace_of(*b));
          },
          .on_delete = [this](const client::DeletedObject& d) {
            if (d.object) enqueue_namespace(object::namespace_of(*d.object));
          },
      });
    }
  }

 protected:
  // Counts of types nobody watches here (count/deployments.apps, ...) catch up on a resync.
  std::chrono::milliseconds periodic_interval() const override { return std::chrono::minutes(1); }
  void periodic() override {
    for (const auto& q : quotas_->indexer().list()) enqueue(*q);
  }

  void sync(const std::string& key) override {
    const ObjectPtr cached = quotas_->indexer().get(key);
    if (!cached || object::is_being_deleted(*cached)) return;
    Json quota = *cached;
    const std::string ns = object::namespace_of(quota);
    const Json hard = quota.value("spec", Json::object()).value("hard", Json::object());
    std::vector<Json> pods;
    for (const auto& p : pods_->indexer().by_index(client::kNamespaceIndex, ns)) pods.push_back(*p);
    std::map<std::string, Quantity> used = compute_usage(pods, hard);
    std::optional<Json> services, claims;
    auto cached_list = [&](const client::GroupVersionResource& gvr, std::optional<Json>& slot) -> const Json& {
      if (!slot) slot = api().list(gvr, ns).value("items", Json::array());
      return *slot;
    };
    for (const auto& [name, _] : hard.items()) {
      if (used.count(name)) continue;
      if (name == "services.loadbalancers" || name == "services.nodeports" || name == "requests.storage") {
        const bool of_services = name != "requests.storage";
        const Json key_only = {{name, hard[name]}};
        Quantity total(0, object::QuantityFormat::decimal_si);
        for (const auto& o : of_services ? cached_list(kServices, services) : cached_list(kPersistentVolumeClaims, claims))
          for (const auto& [_, v] : object_quota_usage("", of_services ? "services" : "persistentvolumeclaims", o, key_only))
            total += v;
        used[name] = total;
        continue;
      }
      const CountedResource counted = counted_resource(name);
      if (counted.resource.empty()) continue;  // not a key this controller knows: left out, as kube does
      if (counted.group.empty() && counted.resource == "pods") {
        std::int64_t n = 0;
        for (const auto& p : pods) n += pod_counts_for_quota(p) ? 1 : 0;
        used[name] = Quantity(n, object::QuantityFormat::decimal_si);
        continue;
      }
      auto info = api().mapper().find(counted.group.empty() ? counted.resource : counted.resource + "." + counted.group);
      if (!info) continue;
      const Json items = api().list(info->gvr, ns).value("items", Json::array());
      used[name] = Quantity(static_cast<std::int64_t>(items.size()), object::QuantityFormat::decimal_si);
    }
    Json status = {{"hard", hard}, {"used", Json::object()}};
    for (const auto& [k, v] : used) status["used"][k] = v.to_json();
    if (quota.value("status", Json()) == status) return;
    quota["apiVersion"] = "v1";
    quota["kind"] = "ResourceQuota";
    quota["status"] = status;
    api().update_status(kResourceQuotas, quota);
  }

 private:
  void enqueue_namespace(const std::string& ns) {
    for (const auto& q : quotas_->indexer().by_index(client::kNamespaceIndex, ns)) enqueue(*q);
  }

  std::shared_ptr<client::SharedInformer> quotas_, pods_;
  std::vector<std::shared_ptr<client::SharedInformer>> watched_;
};

}  // namespace

std::unique_ptr<Controller> make_resource_quota_controller(ControllerContext& context) {
  return std::make_unique<ResourceQuotaController>(context);
}

}  // namespace k3s::controllers::batch
