// "serviceaccount": a `default` ServiceAccount in every active namespace.
// "root-ca-cert-publisher": ConfigMap kube-root-ca.crt carrying the cluster CA bundle in
// every active namespace. Both put back what users delete or change.
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "core/core_controllers.h"
#include "object/meta.h"

namespace k3s::controllers::core {

namespace {

constexpr const char* kDefaultServiceAccount = "default";
constexpr const char* kRootCAConfigMap = "kube-root-ca.crt";
constexpr const char* kRootCADescription =
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as "
    "the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of "
    "Kubernetes clusters.";

bool is_active(const ObjectPtr& ns) {
  return ns && !object::is_being_deleted(*ns) && ns->value("status", Json::object()).value("phase", "") != "Terminating";
}

// Creating in a namespace that started terminating meanwhile is refused; nothing to do then.
bool is_namespace_terminating(const client::ApiError& e) {
  return e.is_forbidden() && std::string(e.what()).find("being terminated") != std::string::npos;
}

// Watches namespaces and one kind of per-namespace object named `object_name`; the key
// is the namespace.
class PerNamespaceObjectController : public QueueController {
 public:
  PerNamespaceObjectController(ControllerContext& context, std::string name, const client::GroupVersionResource& resource,
                               std::string object_name)
      : QueueController(context, std::move(name)), object_name_(std::move(object_name)) {
    namespaces_ = informers().informer_for(client::resources::kNamespaces);
    objects_ = informers().informer_for(resource);
    namespaces_->add_event_handler({
        .on_add = [this](const ObjectPtr& ns) { enqueue(object::name_of(*ns)); },
        .on_update = [this](const ObjectPtr&, const ObjectPtr& ns) { enqueue(object::name_of(*ns)); },
        .on_delete = nullptr,
    });
    auto mine = [this](const Json& o) {
      if (object::name_of(o) == object_name_) enqueue(object::namespace_of(o));
    };
    objects_->add_event_handler({
        .on_add = nullptr,
        .on_update = [mine](const ObjectPtr&, const ObjectPtr& o) { mine(*o); },
        .on_delete = [mine](const client::DeletedObject& d) {
          if (d.object) mine(*d.object);
        },
    });
  }

 protected:
  void sync(const std::string& ns) override {
    if (!is_active(namespaces_->indexer().get(ns))) return;
    try {
      reconcile(ns, objects_->indexer().get(ns, object_name_));
    } catch (const client::ApiError& e) {
      if (is_namespace_terminating(e) || e.is_already_exists()) return;
      throw;
    }
  }
  virtual void reconcile(const std::string& ns, const ObjectPtr& current) = 0;

  std::string object_name_;
  std::shared_ptr<client::SharedInformer> namespaces_, objects_;
};

class ServiceAccountsController : public PerNamespaceObjectController {
 public:
  explicit ServiceAccountsController(ControllerContext& context)
      : PerNamespaceObjectController(context, "serviceaccount", client::resources::kServiceAccounts,
                                     kDefaultServiceAccount) {}

 protected:
  void reconcile(const std::string& ns, const ObjectPtr& current) override {
    if (current) return;
    api().create(client::resources::kServiceAccounts,
                 {{"apiVersion", "v1"},
                  {"kind", "ServiceAccount"},
                  {"metadata", {{"name", kDefaultServiceAccount}, {"namespace", ns}}}});
  }
};

class RootCACertPublisher : public PerNamespaceObjectController {
 public:
  explicit RootCACertPublisher(ControllerContext& context)
      : PerNamespaceObjectController(context, "root-ca-cert-publisher", client::resources::kConfigMaps,
                                     kRootCAConfigMap) {}

 protected:
  void reconcile(const std::string& ns, const ObjectPtr& current) override {
    const std::string ca = read_ca();
    if (ca.empty()) return;
    Json data = {{"ca.crt", ca}};
    if (!current) {
      api().create(client::resources::kConfigMaps,
                   {{"apiVersion", "v1"},
                    {"kind", "ConfigMap"},
                    {"metadata",
                     {{"name", kRootCAConfigMap},
                      {"namespace", ns},
                      {"annotations", {{"kubernetes.io/description", kRootCADescription}}}}},
                    {"data", data}});
      return;
    }
    const bool data_ok = current->value("data", Json::object()) == data && !current->contains("binaryData");
    const bool annotated = object::annotation(*current, "kubernetes.io/description").has_value();
    if (data_ok && annotated) return;
    Json next = *current;
    next["data"] = data;
    next.erase("binaryData");
    object::set_annotation(next, "kubernetes.io/description", kRootCADescription);
    api().update(client::resources::kConfigMaps, next);
  }

 private:
  // Read on every sync: the CA file may be rotated while the server runs.
  std::string read_ca() {
    if (options().root_ca_file.empty()) return {};
    std::ifstream in(options().root_ca_file);
    std::stringstream buffer;
    buffer << in.rdbuf();
    if (!in && buffer.str().empty()) {
      spdlog::warn("root-ca-cert-publisher: cannot read {}", options().root_ca_file);
      return {};
    }
    return buffer.str();
  }
};

}  // namespace

std::unique_ptr<Controller> make_serviceaccount_controller(ControllerContext& context) {
  return std::make_unique<ServiceAccountsController>(context);
}

std::unique_ptr<Controller> make_root_ca_cert_publisher(ControllerContext& context) {
  return std::make_unique<RootCACertPublisher>(context);
}

}  // namespace k3s::controllers::core
