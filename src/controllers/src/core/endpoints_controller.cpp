// "endpoints": an Endpoints object per selector-bearing Service, named like it, listing the
// selected pods' IPs (ready ones in addresses, the rest in notReadyAddresses) and the ports
// they serve. Services without a selector are left to whoever manages their Endpoints.
#include "core/core_controllers.h"
#include "core/endpoints_builder.h"
#include "core/service_pods.h"
#include "object/meta.h"

namespace k3s::controllers::core {

namespace {

constexpr const char* kOverCapacityAnnotation = "endpoints.kubernetes.io/over-capacity";
constexpr const char* kManagedByLabel = "endpoints.kubernetes.io/managed-by";
constexpr const char* kHeadlessLabel = "service.kubernetes.io/headless";

bool is_headless(const Json& service) { return service.value("spec", Json::object()).value("clusterIP", "") == "None"; }

class EndpointsController : public ServicePodController {
 public:
  explicit EndpointsController(ControllerContext& context) : ServicePodController(context, "endpoints") {
    endpoints_ = informers().informer_for(client::resources::kEndpoints);
    // Somebody else's change to an Endpoints object we manage is undone.
    endpoints_->add_event_handler(enqueue_handlers(Deletes::enqueue));
  }

 protected:
  void sync(const std::string& key) override {
    const auto [ns, name] = client::split_object_key(key);
    ObjectPtr service = services_->indexer().get(key);
    ObjectPtr current = endpoints_->indexer().get(key);
    if (!service) {
      if (current && object::label(*current, kManagedByLabel)) remove(ns, name);
      return;
    }
    if (!has_selector(*service)) return;

    bool truncated = false;
    Json subsets = build_endpoints_subsets(*service, selected_pods(*service), truncated);
    auto labels = object::labels_of(*service);
    labels[kManagedByLabel] = "endpoint-controller";
    if (is_headless(*service)) labels[kHeadlessLabel] = "";

    if (current) {
      const bool same = current->value("subsets", Json::array()) == subsets && object::labels_of(*current) == labels &&
                        object::annotation(*current, kOverCapacityAnnotation).has_value() == truncated;
      if (same) return;
      Json next = *current;
      next["subsets"] = subsets;
      object::set_labels(next, labels);
      if (truncated)
        object::set_annotation(next, kOverCapacityAnnotation, "truncated");
      else
        object::remove_annotation(next, kOverCapacityAnnotation);
      api().update(client::resources::kEndpoints, next);
      return;
    }
    Json endpoints = {{"apiVersion", "v1"},
                      {"kind", "Endpoints"},
                      {"metadata", {{"name", name}, {"namespace", ns}}},
                      {"subsets", subsets}};
    object::set_labels(endpoints, labels);
    if (truncated) object::set_annotation(endpoints, kOverCapacityAnnotation, "truncated");
    try {
      api().create(client::resources::kEndpoints, endpoints);
    } catch (const client::ApiError& e) {
      // The cache had not seen it yet; the informer's add brings the key back.
      if (!e.is_already_exists()) throw;
    }
  }

 private:
  void remove(const std::string& ns, const std::string& name) {
    try {
      api().remove(client::resources::kEndpoints, ns, name);
    } catch (const client::ApiError& e) {
      if (!e.is_not_found()) throw;
    }
  }

  std::shared_ptr<client::SharedInformer> endpoints_;
};

}  // namespace

std::unique_ptr<Controller> make_endpoints_controller(ControllerContext& context) {
  return std::make_unique<EndpointsController>(context);
}

}  // namespace k3s::controllers::core
