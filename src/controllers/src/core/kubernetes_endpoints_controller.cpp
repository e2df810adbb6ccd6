// "kubernetes-endpoints": the Endpoints and EndpointSlice of the `kubernetes` Service in
// default point at the API server's advertised address and port. In Kubernetes the API
// server's endpoint reconciler keeps them; here the server has no such loop, so the
// controller manager (which runs next to the API server) does it.
#include <chrono>

#include "core/core_controllers.h"
#include "object/meta.h"

namespace k3s::controllers::core {

namespace {

constexpr const char* kNamespace = "default";
constexpr const char* kName = "kubernetes";
const std::string kKey = std::string(kNamespace) + "/" + kName;

class KubernetesEndpointsController : public QueueController {
 public:
  explicit KubernetesEndpointsController(ControllerContext& context)
      : QueueController(context, "kubernetes-endpoints") {
    auto watch = [this](const client::GroupVersionResource& resource) {
      auto informer = informers().informer_for(resource);
      informer->add_event_handler({
          .on_add = [this](const ObjectPtr& o) { consider(client::object_key(*o)); },
          .on_update = [this](const ObjectPtr&, const ObjectPtr& o) { consider(client::object_key(*o)); },
          .on_delete = [this](const client::DeletedObject& d) { consider(d.key); },
      });
      return informer;
    };
    services_ = watch(client::resources::kServices);
    endpoints_ = watch(client::resources::kEndpoints);
    slices_ = watch(client::resources::kEndpointSlices);
  }

 protected:
  void before_workers() override { enqueue(kKey); }

  void sync(const std::string&) override {
    const std::string& ip = options().apiserver_advertise_address;
    if (ip.empty() || !services_->indexer().get(kKey)) return;
    const int port = options().apiserver_advertise_port;
    reconcile_endpoints(ip, port);
    reconcile_slice(ip, port);
  }

 private:
  void consider(const std::string& key) {
    if (key == kKey) enqueue(kKey);
  }

  void reconcile_endpoints(const std::string& ip, int port) {
    const Json subsets = Json::array(
        {{{"addresses", {{{"ip", ip}}}}, {"ports", {{{"name", "https"}, {"port", port}, {"protocol", "TCP"}}}}}});
    ObjectPtr current = endpoints_->indexer().get(kKey);
    if (current && current->value("subsets", Json::array()) == subsets) return;
    Json next = current ? *current
                        : Json{{"apiVersion", "v1"},
                               {"kind", "Endpoints"},
                               {"metadata", {{"name", kName}, {"namespace", kNamespace}}}};
    next["subsets"] = subsets;
    // The endpointslice mirroring controller must not copy it: the slice is written below.
    object::set_label(next, "endpointslice.kubernetes.io/skip-mirror", "true");
    write(client::resources::kEndpoints, next, current != nullptr);
  }

  void reconcile_slice(const std::string& ip, int port) {
    const Json endpoints = Json::array({{{"addresses", {ip}}, {"conditions", {{"ready", true}}}}});
    const Json ports = Json::array({{{"name", "https"}, {"port", port}, {"protocol", "TCP"}}});
    const std::string family = ip.find(':') == std::string::npos ? "IPv4" : "IPv6";
    ObjectPtr current = slices_->indexer().get(kKey);
    if (current && current->value("endpoints", Json::array()) == endpoints &&
        current->value("ports", Json::array()) == ports && current->value("addressType", "") == family)
      return;
    if (current && current->value("addressType", "") != family) {
      // addressType cannot change: replace the slice.
      api().remove(client::resources::kEndpointSlices, kNamespace, kName);
      current = nullptr;
    }
    Json next = current ? *current
                        : Json{{"apiVersion", "discovery.k8s.io/v1"},
                               {"kind", "EndpointSlice"},
                               {"metadata", {{"name", kName}, {"namespace", kNamespace}}}};
    object::set_label(next, "kubernetes.io/service-name", kName);
    next["addressType"] = family;
    next["endpoints"] = endpoints;
    next["ports"] = ports;
    write(client::resources::kEndpointSlices, next, current != nullptr);
  }

  void write(const client::GroupVersionResource& resource, const Json& object, bool exists) {
    try {
      if (exists)
        api().update(resource, object);
      else
        api().create(resource, object);
    } catch (const client::ApiError& e) {
      if (!e.is_already_exists()) throw;
      // Our own earlier write, not yet in the informer (the services informer's first list
      // enqueues the key again right after start). Its add event brings the key back with
      // the object cached; the delayed retry only guards against a missed event.
      enqueue_after(kKey, std::chrono::seconds(1));
    }
  }

  std::shared_ptr<client::SharedInformer> services_, endpoints_, slices_;
};

}  // namespace

std::unique_ptr<Controller> make_kubernetes_endpoints_controller(ControllerContext& context) {
  return std::make_unique<KubernetesEndpointsController>(context);
}

}  // namespace k3s::controllers::core
