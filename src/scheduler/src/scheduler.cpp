// The scheduling loop: keeps the cluster state and the queue current from watch events,
// runs one attempt per popped pod, assumes the chosen node at once (so the next pod sees
// it) and hands the API writes to worker threads.
#include "scheduler/scheduler.h"

#include <atomic>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "algorithm.h"
#include "cluster_state.h"
#include "object/meta.h"
#include "plugins/plugins.h"
#include "queue.h"
#include "worker_pool.h"

namespace k3s::scheduler {

namespace {

const Json& field(const Json& obj, const char* key) {
  static const Json null_json;
  if (!obj.is_object()) return null_json;
  auto it = obj.find(key);
  return it == obj.end() ? null_json : *it;
}

bool is_terminal(const Json& pod) {
  const Json& phase = field(field(pod, "status"), "phase");
  return phase.is_string() && (phase == "Succeeded" || phase == "Failed");
}

// What a pending pod's scheduling depends on: everything but status and bookkeeping.
// Our own status writes then do not look like changes (no retry loop on them).
Json scheduling_relevant(const Json& pod) {
  Json copy = pod;
  copy.erase("status");
  if (auto m = copy.find("metadata"); m != copy.end() && m->is_object()) {
    m->erase("resourceVersion");
    m->erase("managedFields");
    m->erase("generation");
  }
  return copy;
}

struct PriorityClassInfo {
  std::int32_t value = 0;
  bool global_default = false;
};

}  // namespace

struct Scheduler::Impl {
  std::shared_ptr<ClusterWriter> writer;
  SchedulerOptions options;
  Framework framework;
  ScheduleAlgorithm algorithm;
  SchedulingQueue queue;
  WorkerPool writes;

  mutable std::mutex mu;
  ClusterState cluster;
  std::unordered_map<std::string, std::shared_ptr<const Json>> pending;  // uid -> newest pending object
  std::unordered_set<std::string> assumed;  // placed by us, binding not yet seen in a watch event
  std::unordered_map<std::string, PriorityClassInfo> priority_classes;

  std::atomic<std::uint64_t> attempts{0}, scheduled{0}, unschedulable{0}, bind_failures{0}, preemptions{0};

  Impl(std::shared_ptr<ClusterWriter> w, SchedulerOptions o)
      : writer(std::move(w)),
        options(std::move(o)),
        framework(plugins::default_framework()),
        algorithm(framework, AlgorithmOptions{options.percentage_of_nodes_to_score},
                  options.seed ? options.seed : std::random_device{}()),
        queue(QueueOptions{options.initial_backoff, options.max_backoff, options.unschedulable_timeout}),
        writes(options.api_workers) {}

  bool responsible_for(const PodInfo& pod) const {
    if (pod.scheduler_name.empty()) return options.scheduler_name == kDefaultSchedulerName;
    return pod.scheduler_name == options.scheduler_name;
  }

  // spec.priority is set by admission; fall back to the class for objects written without it.
  PodInfoPtr with_priority(PodInfoPtr pod) const {
    const Json& spec = field(*pod->object, "spec");
    if (field(spec, "priority").is_number_integer()) return pod;
    std::optional<std::int32_t> value;
    if (const Json& cls = field(spec, "priorityClassName"); cls.is_string()) {
      if (auto it = priority_classes.find(cls.get<std::string>()); it != priority_classes.end()) value = it->second.value;
    } else {
      for (const auto& [name, pc] : priority_classes) {
        if (pc.global_default) value = pc.value;
      }
    }
    if (!value || *value == pod->priority) return pod;
    auto copy = std::make_shared<PodInfo>(*pod);
    copy->priority = *value;
    return copy;
  }

  void on_pod(const Json& obj) {
    PodInfoPtr pod = parse_pod(obj);
    std::lock_guard lock(mu);
    pod = with_priority(std::move(pod));
    const std::string& uid = pod->uid;
    if (!pod->node_name.empty()) {
      pending.erase(uid);
      queue.remove(uid);
      cluster.clear_nominated(uid);
      if (is_terminal(obj)) {
        // Finished pods hold no resources.
        assumed.erase(uid);
        if (cluster.remove_pod(uid)) queue.on_event(ClusterEvent::assigned_pod_deleted());
        return;
      }
      bool known = cluster.find_pod(uid) != nullptr;
      bool was_assumed = assumed.erase(uid) > 0;
      cluster.add_or_update_pod(pod);
      if (!was_assumed) queue.on_event(known ? ClusterEvent::assigned_pod_updated() : ClusterEvent::assigned_pod_added());
      return;
    }
    if (assumed.count(uid)) return;  // an event from before our binding landed
    if (!responsible_for(*pod) || pod->terminating || is_terminal(obj)) {
      pending.erase(uid);
      queue.remove(uid);
      cluster.clear_nominated(uid);
      return;
    }
    // A pod we knew as bound came back without a node: the binding was lost.
    if (cluster.remove_pod(uid)) queue.on_event(ClusterEvent::assigned_pod_deleted());
    cluster.set_nominated(pod);
    auto it = pending.find(uid);
    if (it == pending.end()) {
      pending.emplace(uid, pod->object);
      queue.add(pod);
      return;
    }
    bool changed = scheduling_relevant(*it->second) != scheduling_relevant(obj);
    it->second = pod->object;
    if (changed) queue.update(pod);
  }

  void on_pod_deleted(const Json& obj) {
    std::string uid = object::uid_of(obj);
    std::lock_guard lock(mu);
    pending.erase(uid);
    assumed.erase(uid);
    queue.remove(uid);
    cluster.clear_nominated(uid);
    if (cluster.remove_pod(uid)) queue.on_event(ClusterEvent::assigned_pod_deleted());
  }

  void on_node(const Json& obj) {
    std::lock_guard lock(mu);
    try {
      NodeChange change = cluster.upsert_node(obj);
      if (change.any()) queue.on_event(ClusterEvent::node_changed(change));
    } catch (const std::exception& e) {
      spdlog::warn("scheduler: ignoring node {}: {}", object::name_of(obj), e.what());
    }
  }

  void on_node_deleted(const Json& obj) {
    std::lock_guard lock(mu);
    cluster.remove_node(object::name_of(obj));
  }

  template <typename Fn>
  void guarded(const char* what, const Json& obj, Fn&& fn) {
    std::lock_guard lock(mu);
    try {
      fn();
    } catch (const std::exception& e) {
      spdlog::warn("scheduler: ignoring {} {}/{}: {}", what, object::namespace_of(obj), object::name_of(obj), e.what());
    }
  }

  void attempt(QueuedPod q) {
    ++attempts;
    std::unique_lock lock(mu);
    const std::string uid = q.pod->uid;
    auto pit = pending.find(uid);
    if (pit == pending.end()) {  // bound, deleted or handed to another scheduler meanwhile
      queue.done(uid);
      return;
    }
    std::shared_ptr<const Json> object = pit->second;
    ScheduleResult r = algorithm.schedule(*q.pod, cluster);

    if (!r.node.empty()) {
      auto placed = std::make_shared<PodInfo>(*q.pod);
      placed->node_name = r.node;
      placed->nominated_node_name.clear();
      cluster.add_or_update_pod(placed);
      cluster.clear_nominated(uid);
      pending.erase(uid);
      assumed.insert(uid);
      ++scheduled;
      lock.unlock();
      writes.submit([this, q = std::move(q), object, node = r.node]() mutable { bind(std::move(q), object, node); });
      return;
    }

    ++unschedulable;
    q.rejecting_plugins.clear();
    q.rejecting_plugins.insert(r.rejecting_plugins.begin(), r.rejecting_plugins.end());
    std::optional<std::string> nomination;
    std::vector<std::pair<std::shared_ptr<const Json>, std::string>> lost_nominations;
    if (!r.nominated_node.empty()) {
      nomination = r.nominated_node;
      auto nominated = std::make_shared<PodInfo>(*q.pod);
      nominated->nominated_node_name = r.nominated_node;
      // Lower-priority pods nominated to that node lose their claim to it.
      std::vector<PodInfoPtr> displaced;
      for (const auto& other : cluster.nominated_on(r.nominated_node)) {
        if (other->uid != uid && other->priority < q.pod->priority) displaced.push_back(other);
      }
      for (const auto& other : displaced) {
        cluster.clear_nominated(other->uid);
        lost_nominations.emplace_back(other->object, other->name);
      }
      cluster.set_nominated(nominated);
      q.pod = nominated;
      q.rejecting_plugins.clear();  // whatever frees the node helps; victims' deletion will
    } else if (r.clear_nomination) {
      nomination = "";
      cluster.clear_nominated(uid);
    }
    std::vector<PodInfoPtr> victims = std::move(r.victims);
    preemptions += victims.size();
    queue.add_unschedulable(std::move(q));
    lock.unlock();

    for (const auto& v : victims) {
      writes.submit([this, victim = v->object, object, node = r.nominated_node] {
        try {
          writer->preempt(*victim, *object, node);
        } catch (const std::exception& e) {
          spdlog::warn("scheduler: preempting {}/{}: {}", object::namespace_of(*victim), object::name_of(*victim), e.what());
        }
      });
    }
    for (const auto& [other, name] : lost_nominations) {
      writes.submit([this, other] {
        try {
          writer->set_unschedulable(*other, "", std::string());
        } catch (const std::exception& e) {
          spdlog::warn("scheduler: clearing nomination of {}: {}", object::name_of(*other), e.what());
        }
      });
    }
    writes.submit([this, object, message = r.message, nomination] {
      try {
        writer->set_unschedulable(*object, message, nomination);
      } catch (const std::exception& e) {
        spdlog::warn("scheduler: updating status of {}/{}: {}", object::namespace_of(*object), object::name_of(*object),
                     e.what());
      }
      try {
        writer->record_event(*object, "Warning", "FailedScheduling", message);
      } catch (const std::exception& e) {
        spdlog::debug("scheduler: event for {}: {}", object::name_of(*object), e.what());
      }
    });
  }

  void bind(QueuedPod q, const std::shared_ptr<const Json>& object, const std::string& node) {
    const std::string uid = q.pod->uid;
    try {
      writer->bind(*object, node);
    } catch (const std::exception& e) {
      ++bind_failures;
      spdlog::warn("scheduler: binding {}/{} to {}: {}", q.pod->namespace_, q.pod->name, node, e.what());
      std::lock_guard lock(mu);
      if (assumed.erase(uid)) {
        cluster.remove_pod(uid);
        pending.emplace(uid, object);
        queue.add_backoff(std::move(q));
      }
      return;
    }
    queue.done(uid);
    try {
      writer->record_event(*object, "Normal", "Scheduled",
                           "Successfully assigned " + q.pod->namespace_ + "/" + q.pod->name + " to " + node);
    } catch (const std::exception& e) {
      spdlog::debug("scheduler: event for {}: {}", q.pod->name, e.what());
    }
  }
};

Scheduler::Scheduler(std::shared_ptr<ClusterWriter> writer, SchedulerOptions options)
    : impl_(std::make_unique<Impl>(std::move(writer), std::move(options))) {}

Scheduler::~Scheduler() {
  impl_->queue.close();
  impl_->writes.wait_idle();
}

void Scheduler::on_pod(const Json& pod) { impl_->on_pod(pod); }
void Scheduler::on_pod_deleted(const Json& pod) { impl_->on_pod_deleted(pod); }
void Scheduler::on_node(const Json& node) { impl_->on_node(node); }
void Scheduler::on_node_deleted(const Json& node) { impl_->on_node_deleted(node); }

void Scheduler::on_persistent_volume(const Json& pv) {
  impl_->guarded("persistentvolume", pv, [&] {
    impl_->cluster.upsert_volume(pv);
    impl_->queue.on_event(ClusterEvent::volume_changed());
  });
}
void Scheduler::on_persistent_volume_deleted(const Json& pv) {
  impl_->guarded("persistentvolume", pv, [&] { impl_->cluster.remove_volume(object::name_of(pv)); });
}
void Scheduler::on_claim(const Json& pvc) {
  impl_->guarded("persistentvolumeclaim", pvc, [&] {
    impl_->cluster.upsert_claim(pvc);
    impl_->queue.on_event(ClusterEvent::volume_changed());
  });
}
void Scheduler::on_claim_deleted(const Json& pvc) {
  impl_->guarded("persistentvolumeclaim", pvc,
                 [&] { impl_->cluster.remove_claim(object::namespace_of(pvc), object::name_of(pvc)); });
}
void Scheduler::on_storage_class(const Json& sc) {
  impl_->guarded("storageclass", sc, [&] {
    impl_->cluster.upsert_storage_class(sc);
    impl_->queue.on_event(ClusterEvent::volume_changed());
  });
}
void Scheduler::on_storage_class_deleted(const Json& sc) {
  impl_->guarded("storageclass", sc, [&] { impl_->cluster.remove_storage_class(object::name_of(sc)); });
}
void Scheduler::on_disruption_budget(const Json& pdb) {
  impl_->guarded("poddisruptionbudget", pdb, [&] { impl_->cluster.upsert_disruption_budget(pdb); });
}
void Scheduler::on_disruption_budget_deleted(const Json& pdb) {
  impl_->guarded("poddisruptionbudget", pdb,
                 [&] { impl_->cluster.remove_disruption_budget(object::namespace_of(pdb), object::name_of(pdb)); });
}
void Scheduler::on_priority_class(const Json& pc) {
  impl_->guarded("priorityclass", pc, [&] {
    PriorityClassInfo info;
    if (const Json& v = field(pc, "value"); v.is_number_integer()) info.value = v.get<std::int32_t>();
    info.global_default = field(pc, "globalDefault").is_boolean() && field(pc, "globalDefault").get<bool>();
    impl_->priority_classes[object::name_of(pc)] = info;
  });
}
void Scheduler::on_priority_class_deleted(const Json& pc) {
  impl_->guarded("priorityclass", pc, [&] { impl_->priority_classes.erase(object::name_of(pc)); });
}
void Scheduler::on_namespace(const Json& ns) {
  impl_->guarded("namespace", ns, [&] {
    impl_->cluster.upsert_namespace(ns);
    impl_->queue.on_event(ClusterEvent::namespace_changed());
  });
}
void Scheduler::on_namespace_deleted(const Json& ns) {
  impl_->guarded("namespace", ns, [&] { impl_->cluster.remove_namespace(object::name_of(ns)); });
}

void Scheduler::run(std::stop_token stop) {
  std::stop_callback close_queue(stop, [this] { impl_->queue.close(); });
  while (!stop.stop_requested()) {
    auto q = impl_->queue.pop();
    if (!q) break;
    impl_->attempt(std::move(*q));
  }
  impl_->writes.wait_idle();
}

bool Scheduler::schedule_one() {
  auto q = impl_->queue.try_pop();
  if (!q) return false;
  impl_->attempt(std::move(*q));
  return true;
}

void Scheduler::wait_for_writes() { impl_->writes.wait_idle(); }

Scheduler::Stats Scheduler::stats() const {
  Stats s;
  s.attempts = impl_->attempts;
  s.scheduled = impl_->scheduled;
  s.unschedulable = impl_->unschedulable;
  s.bind_failures = impl_->bind_failures;
  s.preemptions = impl_->preemptions;
  s.active = impl_->queue.active_size();
  s.backoff = impl_->queue.backoff_size();
  s.waiting = impl_->queue.unschedulable_size();
  return s;
}

}  // namespace k3s::scheduler
