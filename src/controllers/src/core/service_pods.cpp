#include "core/service_pods.h"

#include "object/labels.h"
#include "object/meta.h"

namespace k3s::controllers::core {

namespace {

object::labels::Selector service_selector(const Json& service) {
  const Json selector = service.value("spec", Json::object()).value("selector", Json::object());
  object::labels::Set set;
  if (selector.is_object())
    for (const auto& [k, v] : selector.items())
      if (v.is_string()) set[k] = v;
  return object::labels::Selector::from_set(set);
}

}  // namespace

ServicePodController::ServicePodController(ControllerContext& context, std::string name)
    : QueueController(context, std::move(name)) {
  services_ = informers().informer_for(client::resources::kServices);
  services_->add_index(client::kNamespaceIndex, client::index_by_namespace());
  pods_ = informers().informer_for(client::resources::kPods);
  pods_->add_index(client::kNamespaceIndex, client::index_by_namespace());
  services_->add_event_handler(enqueue_handlers(Deletes::enqueue));
  pods_->add_event_handler({
      .on_add = [this](const ObjectPtr& p) { pod_changed(nullptr, p.get()); },
      .on_update = [this](const ObjectPtr& old_pod, const ObjectPtr& p) {
        // Resyncs re-deliver unchanged pods; nothing to recompute then.
        if (old_pod && object::resource_version_of(*old_pod) == object::resource_version_of(*p)) return;
        pod_changed(old_pod.get(), p.get());
      },
      .on_delete = [this](const client::DeletedObject& d) {
        if (d.object) pod_changed(d.object.get(), nullptr);
      },
  });
}

bool ServicePodController::has_selector(const Json& service) {
  const Json selector = service.value("spec", Json::object()).value("selector", Json());
  return selector.is_object() && !selector.empty();
}

std::vector<ObjectPtr> ServicePodController::selected_pods(const Json& service) const {
  std::vector<ObjectPtr> out;
  if (!has_selector(service)) return out;
  const auto selector = service_selector(service);
  for (const auto& pod : pods_->indexer().by_index(client::kNamespaceIndex, object::namespace_of(service)))
    if (selector.matches(object::labels_of(*pod))) out.push_back(pod);
  return out;
}

void ServicePodController::pod_changed(const Json* old_pod, const Json* new_pod) {
  const Json& any = new_pod ? *new_pod : *old_pod;
  for (const auto& service : services_->indexer().by_index(client::kNamespaceIndex, object::namespace_of(any))) {
    if (!has_selector(*service)) continue;
    const auto selector = service_selector(*service);
    if ((old_pod && selector.matches(object::labels_of(*old_pod))) ||
        (new_pod && selector.matches(object::labels_of(*new_pod))))
      enqueue(*service);
  }
}

}  // namespace k3s::controllers::core
