// "garbage-collector": ownerReferences across every resource discovery lists.
//  - a dependent whose owners are all gone is deleted (in the background);
//  - an owner deleted in the foreground (finalizer foregroundDeletion) has its dependents
//    deleted, and loses the finalizer once no dependent with blockOwnerDeletion is left;
//  - an owner deleted with orphaning (finalizer orphan) has its ownerReference removed from
//    every dependent, then loses the finalizer.
// The queue holds uids; the graph comes from one informer per resource.
#include <spdlog/spdlog.h>

#include <set>

#include "client/rest_mapper.h"
#include "core/core_controllers.h"
#include "core/owner_graph.h"

namespace k3s::controllers::core {

namespace {

constexpr const char* kOrphanFinalizer = "orphan";
constexpr const char* kForegroundFinalizer = "foregroundDeletion";
// How often discovery is consulted for resources that appeared (custom resources).
constexpr std::chrono::seconds kRediscoveryPeriod{30};

bool ignored(const client::ResourceInfo& info) {
  // Events are never owners nor owned in practice, and are the busiest resource.
  return info.gvr.resource == "events" && (info.gvr.group.empty() || info.gvr.group == "events.k8s.io");
}

enum class OwnerState { solid, dangling, waiting_for_dependents };

class GarbageCollector : public QueueController {
 public:
  explicit GarbageCollector(ControllerContext& context) : QueueController(context, "garbage-collector") {}

 protected:
  void before_workers() override { discover(); }
  std::chrono::milliseconds periodic_interval() const override { return kRediscoveryPeriod; }
  void periodic() override { discover(); }

  void sync(const std::string& uid) override {
    auto node = graph_.get(uid);
    if (!node || !node->present) return;
    if (node->deleting && node->has_finalizer(kOrphanFinalizer)) {
      orphan_dependents(*node);
      remove_finalizer(*node, kOrphanFinalizer);
      return;
    }
    if (node->deleting && node->has_finalizer(kForegroundFinalizer)) {
      delete_dependents(*node);
      return;
    }
    if (!node->owners.empty()) collect_if_orphaned(*node);
  }

 private:
  // Starts an informer for every listable resource not yet watched.
  void discover() {
    std::vector<client::ResourceInfo> resources;
    try {
      api().mapper().invalidate();
      resources = api().mapper().all_resources();
    } catch (const std::exception& e) {
      spdlog::warn("garbage-collector: discovery: {}", e.what());
      return;
    }
    std::vector<std::shared_ptr<client::SharedInformer>> started;
    for (const auto& info : resources) {
      if (!info.preferred_version || ignored(info)) continue;
      if (!info.has_verb("list") || !info.has_verb("watch") || !info.has_verb("delete")) continue;
      const std::string group_resource = info.gvr.group_resource();
      if (!watched_.insert(group_resource).second) continue;
      auto informer = informers().informer_for(info.gvr);
      const auto gvr = info.gvr;
      const auto kind = info.kind;
      informer->add_event_handler({
          .on_add = [this, gvr, kind](const ObjectPtr& o) { enqueue_all(graph_.upsert(gvr, kind, *o)); },
          .on_update = [this, gvr, kind](const ObjectPtr&, const ObjectPtr& o) {
            enqueue_all(graph_.upsert(gvr, kind, *o));
          },
          .on_delete = [this](const client::DeletedObject& d) {
            if (d.object) enqueue_all(graph_.remove(*d.object));
          },
      });
      started.push_back(informer);
    }
    if (started.empty()) return;
    informers().start();
    for (const auto& informer : started) informer->wait_for_sync(std::chrono::seconds(60));
    spdlog::info("garbage-collector: watching {} resources, {} objects in the graph", watched_.size(), graph_.size());
  }

  void enqueue_all(const std::vector<std::string>& uids) {
    for (const auto& uid : uids) enqueue(uid);
  }

  // The current state of an owner: from the graph when it is there, otherwise confirmed
  // with the API server (the graph may not have seen it yet).
  OwnerState owner_state(const GraphNode& dependent, const object::OwnerReference& ref) {
    if (auto owner = graph_.get(ref.uid); owner && owner->present) {
      if (owner->deleting && owner->has_finalizer(kForegroundFinalizer)) return OwnerState::waiting_for_dependents;
      return OwnerState::solid;
    }
    auto info = api().mapper().find_kind(ref.api_version, ref.kind);
    if (!info) throw std::runtime_error("cannot resolve owner kind " + ref.kind + " in " + ref.api_version);
    // A namespaced owner lives in the dependent's namespace; a cluster-scoped dependent
    // cannot have one.
    if (info->namespaced && dependent.namespace_.empty()) return OwnerState::dangling;
    try {
      Json owner = api().get(info->gvr, info->namespaced ? dependent.namespace_ : "", ref.name);
      if (object::uid_of(owner) != ref.uid) return OwnerState::dangling;
      if (object::is_being_deleted(owner) && object::has_finalizer(owner, kForegroundFinalizer))
        return OwnerState::waiting_for_dependents;
      return OwnerState::solid;
    } catch (const client::ApiError& e) {
      if (e.is_not_found()) return OwnerState::dangling;
      throw;
    }
  }

  void collect_if_orphaned(const GraphNode& node) {
    std::vector<object::OwnerReference> solid, gone;
    bool waiting = false;
    for (const auto& ref : node.owners) {
      switch (owner_state(node, ref)) {
        case OwnerState::solid: solid.push_back(ref); break;
        case OwnerState::dangling: gone.push_back(ref); break;
        case OwnerState::waiting_for_dependents:
          waiting = true;
          gone.push_back(ref);
          break;
      }
    }
    if (!solid.empty()) {
      // Still owned: only the references to owners that are gone (or going) are dropped.
      if (!gone.empty()) {
        std::set<std::string> drop;
        for (const auto& r : gone) drop.insert(r.uid);
        remove_owner_references(node, drop);
      }
      return;
    }
    if (node.deleting || !owners_still_current(node)) return;
    // Dependents of a foreground deletion go in the foreground too when they have
    // dependents of their own, so the chain is deleted bottom-up.
    const bool foreground = waiting && !graph_.dependents_of(node.uid).empty();
    delete_object(node, foreground ? "Foreground" : "Background");
  }

  // The graph may lag the server (an orphaning owner removed our reference just before it
  // went): only the server's current ownerReferences justify a deletion. A difference means
  // an update is on its way through the informer, which brings the object back.
  bool owners_still_current(const GraphNode& node) {
    try {
      Json live = api().get(node.gvr, node.namespace_, node.name);
      return object::uid_of(live) == node.uid && object::owner_references_of(live) == node.owners;
    } catch (const client::ApiError& e) {
      if (e.is_not_found()) return false;
      throw;
    }
  }

  void delete_dependents(const GraphNode& owner) {
    bool blocked = false;
    for (const auto& dependent : graph_.dependents_of(owner.uid)) {
      bool blocking = false;
      for (const auto& ref : dependent.owners)
        if (ref.uid == owner.uid && ref.block_owner_deletion.value_or(false)) blocking = true;
      if (blocking) blocked = true;
      if (!dependent.deleting) {
        const bool has_dependents = !graph_.dependents_of(dependent.uid).empty();
        delete_object(dependent, blocking && has_dependents ? "Foreground" : "Background");
      }
    }
    // The owner comes back through the queue when its last blocking dependent is gone.
    if (!blocked) remove_finalizer(owner, kForegroundFinalizer);
  }

  void orphan_dependents(const GraphNode& owner) {
    for (const auto& dependent : graph_.dependents_of(owner.uid)) remove_owner_references(dependent, {owner.uid});
  }

  void delete_object(const GraphNode& node, const std::string& propagation) {
    client::DeleteOptions options;
    options.propagation_policy = propagation;
    options.precondition_uid = node.uid;
    try {
      api().remove(node.gvr, node.namespace_, node.name, options);
      spdlog::info("garbage-collector: deleted {} {}/{} ({})", node.kind, node.namespace_, node.name, propagation);
    } catch (const client::ApiError& e) {
      if (e.is_not_found() || e.is_conflict()) return;  // gone, or replaced by a namesake
      throw;
    }
  }

  // Read-modify-write with the object's resourceVersion, so a concurrent change is retried.
  void remove_owner_references(const GraphNode& node, const std::set<std::string>& owner_uids) {
    Json current;
    try {
      current = api().get(node.gvr, node.namespace_, node.name);
    } catch (const client::ApiError& e) {
      if (e.is_not_found()) return;
      throw;
    }
    if (object::uid_of(current) != node.uid) return;
    Json kept = Json::array();
    bool changed = false;
    for (const auto& ref : current["metadata"].value("ownerReferences", Json::array())) {
      if (owner_uids.count(ref.value("uid", ""))) {
        changed = true;
        continue;
      }
      kept.push_back(ref);
    }
    if (!changed) return;
    Json patch = {{"metadata",
                   {{"resourceVersion", object::resource_version_of(current)},
                    {"ownerReferences", kept.empty() ? Json(nullptr) : kept}}}};
    api().patch(node.gvr, node.namespace_, node.name, client::PatchType::merge, patch);
  }

  void remove_finalizer(const GraphNode& node, const std::string& finalizer) {
    Json current;
    try {
      current = api().get(node.gvr, node.namespace_, node.name);
    } catch (const client::ApiError& e) {
      if (e.is_not_found()) return;
      throw;
    }
    if (object::uid_of(current) != node.uid || !object::has_finalizer(current, finalizer)) return;
    object::remove_finalizer(current, finalizer);
    const auto finalizers = object::finalizers_of(current);
    Json patch = {{"metadata",
                   {{"resourceVersion", object::resource_version_of(current)},
                    {"finalizers", finalizers.empty() ? Json(nullptr) : Json(finalizers)}}}};
    api().patch(node.gvr, node.namespace_, node.name, client::PatchType::merge, patch);
  }

  OwnerGraph graph_;
  std::set<std::string> watched_;  // resource.group
};

}  // namespace

std::unique_ptr<Controller> make_garbage_collector(ControllerContext& context) {
  return std::make_unique<GarbageCollector>(context);
}

}  // namespace k3s::controllers::core
