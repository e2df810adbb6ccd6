// "namespace": empties a terminating namespace of every namespaced object (of every
// resource discovery lists, so custom resources too), reports progress in the namespace's
// conditions, and finally drops the "kubernetes" finalizer through namespaces/<n>/finalize.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "client/rest_mapper.h"
#include "core/core_controllers.h"
#include "core/namespace_conditions.h"
#include "object/meta.h"

namespace k3s::controllers::core {

namespace {

constexpr const char* kKubernetesFinalizer = "kubernetes";
// How long to wait before looking again at a namespace whose content is still going away
// (graceful pods, finalizers).
constexpr std::chrono::seconds kRecheckDelay{2};

bool has_spec_finalizer(const Json& ns, const std::string& finalizer) {
  const Json spec = ns.value("spec", Json::object());
  const Json list = spec.value("finalizers", Json::array());
  return std::find(list.begin(), list.end(), finalizer) != list.end();
}

class NamespaceController : public QueueController {
 public:
  explicit NamespaceController(ControllerContext& context) : QueueController(context, "namespace") {
    namespaces_ = informers().informer_for(client::resources::kNamespaces);
    namespaces_->add_event_handler({
        .on_add = [this](const ObjectPtr& ns) { consider(*ns); },
        .on_update = [this](const ObjectPtr&, const ObjectPtr& ns) { consider(*ns); },
        .on_delete = nullptr,
    });
  }

 protected:
  void sync(const std::string& name) override {
    Json ns;
    try {
      ns = api().get(client::resources::kNamespaces, "", name);
    } catch (const client::ApiError& e) {
      if (e.is_not_found()) return;
      throw;
    }
    if (!object::is_being_deleted(ns) || !has_spec_finalizer(ns, kKubernetesFinalizer)) return;

    NamespaceContentReport report = delete_content(name);
    ns = update_conditions(ns, report);
    if (!report.done()) {
      enqueue_after(name, kRecheckDelay);
      return;
    }
    finalize(ns);
  }

 private:
  void consider(const Json& ns) {
    if (object::is_being_deleted(ns) && has_spec_finalizer(ns, kKubernetesFinalizer)) enqueue(ns);
  }

  // The namespaced resources that can be listed and deleted, one version per resource.
  std::vector<client::ResourceInfo> deletable_resources(NamespaceContentReport& report) {
    auto& mapper = api().mapper();
    mapper.invalidate();  // custom resources come and go
    std::vector<client::ResourceInfo> out;
    try {
      for (auto& info : mapper.all_resources()) {
        if (!info.namespaced || !info.has_verb("list") || !info.has_verb("delete")) continue;
        bool seen = std::any_of(out.begin(), out.end(), [&](const client::ResourceInfo& r) {
          return r.gvr.group == info.gvr.group && r.gvr.resource == info.gvr.resource;
        });
        if (!seen) out.push_back(std::move(info));
      }
    } catch (const std::exception& e) {
      report.discovery_error = e.what();
    }
    return out;
  }

  NamespaceContentReport delete_content(const std::string& ns) {
    NamespaceContentReport report;
    for (const auto& info : deletable_resources(report)) {
      const std::string resource = info.gvr.group_resource();
      try {
        Json items = api().list(info.gvr, ns).value("items", Json::array());
        if (items.empty()) continue;
        client::DeleteOptions background;
        background.propagation_policy = "Background";
        if (info.has_verb("deletecollection")) {
          api().delete_collection(info.gvr, ns, {}, background);
        } else {
          for (const auto& item : items) {
            if (object::is_being_deleted(item)) continue;
            try {
              api().remove(info.gvr, ns, object::name_of(item), background);
            } catch (const client::ApiError& e) {
              if (!e.is_not_found()) throw;
            }
          }
        }
        items = api().list(info.gvr, ns).value("items", Json::array());
        if (items.empty()) continue;
        report.remaining[resource] = static_cast<int>(items.size());
        for (const auto& item : items)
          for (const auto& f : object::finalizers_of(item)) ++report.finalizers[f];
      } catch (const client::ApiError& e) {
        // A resource that disappeared with its CRD meanwhile has nothing left to delete.
        if (e.is_not_found() || e.code() == 405) continue;
        report.deletion_failures.push_back(resource + ": " + e.what());
      } catch (const client::TransportError& e) {
        report.deletion_failures.push_back(resource + ": " + e.what());
      }
    }
    return report;
  }

  Json update_conditions(const Json& ns, const NamespaceContentReport& report) {
    const Json status = ns.value("status", Json::object());
    const Json existing = status.value("conditions", Json::array());
    Json wanted = namespace_deletion_conditions(report, existing, object::format_time(object::now()));
    if (wanted == existing) return ns;
    Json next = ns;
    next["status"]["conditions"] = wanted;
    return api().update_status(client::resources::kNamespaces, next);
  }

  void finalize(const Json& ns) {
    Json next = ns;
    Json kept = Json::array();
    for (const auto& f : next["spec"].value("finalizers", Json::array()))
      if (f != kKubernetesFinalizer) kept.push_back(f);
    next["spec"]["finalizers"] = kept;
    const std::string path = client::resource_path(client::resources::kNamespaces, "", object::name_of(ns), "finalize");
    api().request_json("PUT", path, next.dump());
    spdlog::info("namespace {}: content deleted, finalizer \"kubernetes\" removed", object::name_of(ns));
  }

  std::shared_ptr<client::SharedInformer> namespaces_;
};

}  // namespace

std::unique_ptr<Controller> make_namespace_controller(ControllerContext& context) {
  return std::make_unique<NamespaceController>(context);
}

}  // namespace k3s::controllers::core
