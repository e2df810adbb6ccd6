// "endpointslice": EndpointSlices for every selector-bearing Service, one set per address
// family and port set, at most kMaxEndpointsPerSlice endpoints each, owned by the Service
// (the garbage collector removes them with it) and labelled as kube's controller labels
// them. Existing slices are reused and updated in place where they fit.
#include <map>
#include <mutex>
#include <set>

#include "core/core_controllers.h"
#include "core/endpoints_builder.h"
#include "core/service_pods.h"
#include "object/meta.h"

namespace k3s::controllers::core {

namespace {

constexpr const char* kServiceNameLabel = "kubernetes.io/service-name";
constexpr const char* kManagedByLabel = "endpointslice.kubernetes.io/managed-by";
constexpr const char* kManagedByValue = "endpointslice-controller.k8s.io";
constexpr const char* kHeadlessLabel = "service.kubernetes.io/headless";

class EndpointSliceController : public ServicePodController {
 public:
  explicit EndpointSliceController(ControllerContext& context) : ServicePodController(context, "endpointslice") {
    slices_ = informers().informer_for(client::resources::kEndpointSlices);
    slices_->add_index(client::kNamespaceIndex, client::index_by_namespace());
    auto owner_service = [this](const Json& slice) {
      auto service = object::label(slice, kServiceNameLabel);
      if (service && object::label(slice, kManagedByLabel) == kManagedByValue)
        enqueue(object::namespace_of(slice) + "/" + *service);
    };
    slices_->add_event_handler({
        .on_add = nullptr,
        .on_update = [owner_service](const ObjectPtr&, const ObjectPtr& s) { owner_service(*s); },
        .on_delete = [owner_service](const client::DeletedObject& d) {
          if (d.object) owner_service(*d.object);
        },
    });
  }

 protected:
  void sync(const std::string& key) override {
    const auto [ns, name] = client::split_object_key(key);
    ObjectPtr service = services_->indexer().get(key);
    // A deleted Service's slices go with it through their ownerReference.
    if (!service || !has_selector(*service)) return;

    // Our own last writes must be in the cache first, or a stale cache creates duplicates.
    if (!cache_caught_up(key)) {
      enqueue_after(key, std::chrono::milliseconds(100));
      return;
    }

    auto desired = build_endpoint_slices(*service, selected_pods(*service));
    auto labels = object::labels_of(*service);
    labels[kServiceNameLabel] = name;
    labels[kManagedByLabel] = kManagedByValue;
    if (service->value("spec", Json::object()).value("clusterIP", "") == "None") labels[kHeadlessLabel] = "";

    std::vector<ObjectPtr> existing;
    for (const auto& slice : slices_->indexer().by_index(client::kNamespaceIndex, ns))
      if (object::label(*slice, kServiceNameLabel) == name && object::label(*slice, kManagedByLabel) == kManagedByValue &&
          !object::is_being_deleted(*slice))
        existing.push_back(slice);

    std::set<std::size_t> used;
    std::vector<const DesiredSlice*> unplaced;
    // First pass: slices already exactly right stay untouched.
    std::vector<bool> placed(desired.size(), false);
    for (std::size_t d = 0; d < desired.size(); ++d) {
      for (std::size_t e = 0; e < existing.size(); ++e) {
        if (used.count(e) || !matches(*existing[e], desired[d]) || object::labels_of(*existing[e]) != labels) continue;
        used.insert(e);
        placed[d] = true;
        break;
      }
    }
    // Second pass: reuse slices of the same family and ports, then create.
    for (std::size_t d = 0; d < desired.size(); ++d) {
      if (placed[d]) continue;
      std::optional<std::size_t> reuse;
      for (std::size_t e = 0; e < existing.size() && !reuse; ++e)
        if (!used.count(e) && existing[e]->value("addressType", "") == desired[d].address_type) reuse = e;
      if (reuse) {
        used.insert(*reuse);
        Json next = *existing[*reuse];
        fill(next, desired[d], labels, *service);
        expect(key, api().update(client::resources::kEndpointSlices, next));
      } else {
        Json slice = {{"apiVersion", "discovery.k8s.io/v1"},
                      {"kind", "EndpointSlice"},
                      {"metadata", {{"generateName", name + "-"}, {"namespace", ns}}}};
        fill(slice, desired[d], labels, *service);
        expect(key, api().create(client::resources::kEndpointSlices, slice));
      }
    }
    for (std::size_t e = 0; e < existing.size(); ++e) {
      if (used.count(e)) continue;
      try {
        api().remove(client::resources::kEndpointSlices, ns, object::name_of(*existing[e]));
        expect_gone(key, ns + "/" + object::name_of(*existing[e]));
      } catch (const client::ApiError& err) {
        if (!err.is_not_found()) throw;
      }
    }
  }

 private:
  static bool matches(const Json& slice, const DesiredSlice& want) {
    return slice.value("addressType", "") == want.address_type &&
           slice.value("ports", Json::array()) == want.ports && slice.value("endpoints", Json::array()) == want.endpoints;
  }

  static void fill(Json& slice, const DesiredSlice& want, const object::StringMap& labels, const Json& service) {
    object::set_labels(slice, labels);
    slice["metadata"]["ownerReferences"] = Json::array({{{"apiVersion", "v1"},
                                                         {"kind", "Service"},
                                                         {"name", object::name_of(service)},
                                                         {"uid", object::uid_of(service)},
                                                         {"controller", true},
                                                         {"blockOwnerDeletion", true}}});
    slice["addressType"] = want.address_type;
    slice["endpoints"] = want.endpoints;
    slice["ports"] = want.ports;
  }

  static std::int64_t revision(const std::string& rv) {
    try {
      return rv.empty() ? 0 : std::stoll(rv);
    } catch (...) {
      return 0;
    }
  }

  void expect(const std::string& service_key, const Json& written) {
    std::lock_guard lock(mu_);
    pending_[service_key][client::object_key(written)] = {revision(object::resource_version_of(written)), now()};
  }
  void expect_gone(const std::string& service_key, const std::string& slice_key) {
    std::lock_guard lock(mu_);
    pending_[service_key][slice_key] = {-1, now()};
  }
  // True when every write of the last sync of `service_key` shows in the slice cache.
  bool cache_caught_up(const std::string& service_key) {
    std::lock_guard lock(mu_);
    auto it = pending_.find(service_key);
    if (it == pending_.end()) return true;
    for (auto w = it->second.begin(); w != it->second.end();) {
      ObjectPtr cached = slices_->indexer().get(w->first);
      const auto [rv, at] = w->second;
      // Somebody else may have changed it meanwhile; a stale expectation expires.
      const bool seen = now() - at > std::chrono::seconds(30) ||
                        (rv < 0 ? !cached || object::is_being_deleted(*cached)
                                : cached && revision(object::resource_version_of(*cached)) >= rv);
      w = seen ? it->second.erase(w) : std::next(w);
    }
    if (it->second.empty()) {
      pending_.erase(it);
      return true;
    }
    return false;
  }

  std::shared_ptr<client::SharedInformer> slices_;
  std::mutex mu_;
  static std::chrono::steady_clock::time_point now() { return std::chrono::steady_clock::now(); }
  // service -> slice -> {rv written (-1: deleted), when}
  std::map<std::string, std::map<std::string, std::pair<std::int64_t, std::chrono::steady_clock::time_point>>> pending_;
};

}  // namespace

std::unique_ptr<Controller> make_endpointslice_controller(ControllerContext& context) {
  return std::make_unique<EndpointSliceController>(context);
}

}  // namespace k3s::controllers::core
