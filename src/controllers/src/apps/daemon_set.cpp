#include "apps/daemon_set.h"

#include <algorithm>
#include <future>

#include "apps/apps_util.h"
#include "apps/daemon_update.h"
#include "apps/node_eligibility.h"
#include "object/meta.h"

namespace k3s::controllers::apps {

namespace {
const client::GroupVersionResource& kDaemonSets = client::resources::kDaemonSets;

// The node a daemon pod is for: where it is bound, or else where its affinity pins it.
std::string target_node(const Json& pod) {
  const std::string bound = string_at(pod, "/spec/nodeName");
  if (!bound.empty()) return bound;
  Json::json_pointer terms("/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms");
  if (!pod.contains(terms) || !pod.at(terms).is_array()) return {};
  for (const auto& term : pod.at(terms))
    for (const auto& field : term.value("matchFields", Json::array()))
      if (field.value("key", "") == "metadata.name" && field.value("operator", "") == "In" &&
          field.value("values", Json::array()).size() == 1)
        return field["values"][0].get<std::string>();
  return {};
}

std::string pod_hash(const Json& pod) { return object::label(pod, kControllerRevisionHashLabel).value_or(""); }
}  // namespace

DaemonSetController::DaemonSetController(ControllerContext& context)
    : QueueController(context, "daemonset"), pod_control_(context.client, events()) {
  daemon_sets_ = informers().informer_for(kDaemonSets);
  pods_ = informers().informer_for(client::resources::kPods);
  nodes_ = informers().informer_for(client::resources::kNodes);
  revisions_ = informers().informer_for(client::resources::kControllerRevisions);
  daemon_sets_->add_event_handler(enqueue_handlers(Deletes::enqueue));
  pods_->add_event_handler({
      .on_add =
          [this](const ObjectPtr& pod) {
            const std::string key = owner_key(*pod);
            if (key.empty()) return;
            if (object::is_being_deleted(*pod))
              expectations_.deletion_observed(key);
            else
              expectations_.creation_observed(key);
            enqueue(key);
          },
      .on_update =
          [this](const ObjectPtr& old_pod, const ObjectPtr& pod) {
            if (object::resource_version_of(*old_pod) == object::resource_version_of(*pod)) return;
            const std::string key = owner_key(*pod);
            if (key.empty()) return;
            if (object::is_being_deleted(*pod) && !object::is_being_deleted(*old_pod)) expectations_.deletion_observed(key);
            enqueue(key);
          },
      .on_delete =
          [this](const client::DeletedObject& d) {
            if (!d.object) return;
            const std::string key = owner_key(*d.object);
            if (key.empty()) return;
            if (!object::is_being_deleted(*d.object)) expectations_.deletion_observed(key);
            enqueue(key);
          },
  });
  // Node labels, taints and arrivals change where daemons belong.
  nodes_->add_event_handler({
      .on_add = [this](const ObjectPtr&) { enqueue_all(); },
      .on_update =
          [this](const ObjectPtr& old_node, const ObjectPtr& node) {
            if (object::labels_of(*old_node) != object::labels_of(*node) ||
                old_node->value("spec", Json::object()) != node->value("spec", Json::object()))
              enqueue_all();
          },
      .on_delete = [this](const client::DeletedObject&) { enqueue_all(); },
  });
}

void DaemonSetController::enqueue_all() {
  for (const auto& key : daemon_sets_->indexer().keys()) enqueue(key);
}

std::string DaemonSetController::owner_key(const Json& pod) const {
  const Json* ref = controller_ref_of(pod);
  if (!ref || ref->value("kind", "") != "DaemonSet") return {};
  const std::string key = object::namespace_of(pod) + "/" + ref->value("name", "");
  auto ds = daemon_sets_->indexer().get(key);
  if (!ds || object::uid_of(*ds) != ref->value("uid", "")) return {};
  return key;
}

DaemonSetController::PodsByNode DaemonSetController::claim_pods(const Json& ds) {
  const auto selector = selector_of(ds);
  PodsByNode out;
  for (const auto& pod : in_namespace(*pods_, object::namespace_of(ds))) {
    const bool matches = selector.matches(labels_set(*pod));
    if (is_controlled_by(*pod, ds)) {
      if (!matches) {
        if (!object::is_being_deleted(ds)) release(api(), client::resources::kPods, *pod, ds);
        continue;
      }
    } else if (controller_ref_of(*pod) || !matches || object::is_being_deleted(ds) || object::is_being_deleted(*pod)) {
      continue;
    } else {
      adopt(api(), client::resources::kPods, *pod, ds, "apps/v1", "DaemonSet");
    }
    const std::string node = target_node(*pod);
    if (!node.empty()) out[node].push_back(pod);
  }
  return out;
}

Json DaemonSetController::daemon_pod(const Json& ds, const std::string& node, const std::string& hash) const {
  Json tmpl = ds["spec"].value("template", Json::object());
  tmpl["metadata"]["labels"][kControllerRevisionHashLabel] = hash;
  tmpl["metadata"]["labels"]["pod-template-generation"] = std::to_string(object::generation_of(ds));
  Json& spec = tmpl["spec"];
  add_daemon_tolerations(spec);
  // Pinned to the node by a required affinity term; the scheduler does the binding.
  Json term = {{"matchFields", Json::array({{{"key", "metadata.name"}, {"operator", "In"}, {"values", {node}}}})}};
  Json& required = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"];
  if (required.is_object() && required.contains("nodeSelectorTerms") && required["nodeSelectorTerms"].is_array() &&
      !required["nodeSelectorTerms"].empty()) {
    // Every existing term must also hold for this node (kube merges the field into each).
    for (auto& t : required["nodeSelectorTerms"]) t["matchFields"] = term["matchFields"];
  } else {
    required = {{"nodeSelectorTerms", Json::array({term})}};
  }
  return pod_from_template(tmpl, object::namespace_of(ds), object::name_of(ds) + "-",
                           make_controller_ref(ds, "apps/v1", "DaemonSet"));
}

void DaemonSetController::create_and_delete(const Json& ds, const std::string& key,
                                            const std::vector<std::string>& nodes_to_create,
                                            const std::vector<ObjectPtr>& pods_to_delete, const std::string& hash) {
  const int creates = static_cast<int>(std::min<std::size_t>(nodes_to_create.size(), 500));
  const int deletes = static_cast<int>(pods_to_delete.size());
  expectations_.expect(key, creates, deletes);
  std::string first_error;
  std::vector<std::future<std::string>> calls;
  for (const auto& victim : pods_to_delete)
    calls.push_back(std::async(std::launch::async, [&, victim]() -> std::string {
      try {
        pod_control_.delete_pod(object::namespace_of(*victim), object::name_of(*victim), ds);
        return {};
      } catch (const std::exception& e) {
        expectations_.lower(key, 0, 1);
        return e.what();
      }
    }));
  for (auto& c : calls)
    if (auto e = c.get(); !e.empty() && first_error.empty()) first_error = e;
  // Slow start (1, 2, 4, ...), as for ReplicaSets.
  int done = 0, batch = 1;
  bool failed = false;
  while (done < creates && !failed) {
    const int size = std::min(batch, creates - done);
    std::vector<std::future<std::string>> batch_calls;
    for (int i = 0; i < size; ++i) {
      const std::string node = nodes_to_create[done + i];
      batch_calls.push_back(std::async(std::launch::async, [&, node]() -> std::string {
        try {
          pod_control_.create_pod(daemon_pod(ds, node, hash), ds);
          return {};
        } catch (const std::exception& e) {
          expectations_.lower(key, 1, 0);
          return e.what();
        }
      }));
    }
    for (auto& c : batch_calls)
      if (auto e = c.get(); !e.empty()) {
        failed = true;
        if (first_error.empty()) first_error = e;
      }
    done += size;
    batch *= 2;
  }
  if (done < creates) expectations_.lower(key, creates - done, 0);
  if (!first_error.empty()) throw std::runtime_error(first_error);
}

Json DaemonSetController::compute_status(const Json& ds, const PodsByNode& pods,
                                         const std::map<std::string, bool>& should_run, const std::string& hash) {
  std::int64_t desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
  const auto min_ready = int_at(ds, "/spec/minReadySeconds", 0);
  for (const auto& [node, list] : pods) {
    std::vector<ObjectPtr> live;
    for (const auto& pod : list)
      if (!object::is_being_deleted(*pod)) live.push_back(pod);
    if (live.empty()) continue;
    auto run = should_run.find(node);
    if (run == should_run.end() || !run->second) {
      ++misscheduled;
      continue;
    }
    ++current;
    std::sort(live.begin(), live.end(), [](const ObjectPtr& a, const ObjectPtr& b) {
      return string_at(*a, "/metadata/creationTimestamp") < string_at(*b, "/metadata/creationTimestamp");
    });
    const Json& pod = *live.front();
    if (is_pod_ready(pod)) {
      ++ready;
      if (is_pod_available(pod, min_ready)) ++available;
    }
    if (pod_hash(pod) == hash) ++updated;
  }
  for (const auto& [node, run] : should_run) desired += run;
  Json status = ds.value("status", Json::object());
  status["desiredNumberScheduled"] = desired;
  status["currentNumberScheduled"] = current;
  status["numberMisscheduled"] = misscheduled;
  status["numberReady"] = ready;
  auto put = [&](const char* field, std::int64_t value) {
    if (value)
      status[field] = value;
    else
      status.erase(field);
  };
  put("updatedNumberScheduled", updated);
  put("numberAvailable", available);
  put("numberUnavailable", std::max<std::int64_t>(desired - available, 0));
  put("observedGeneration", object::generation_of(ds));
  return status;
}

void DaemonSetController::sync(const std::string& key) {
  auto cached = daemon_sets_->indexer().get(key);
  if (!cached) {
    expectations_.forget(key);
    return;
  }
  const Json& ds = *cached;
  if (object::is_being_deleted(ds)) return;
  if (selector_of(ds).is_nothing()) {
    events().event(ds, client::kEventTypeWarning, "SelectingAll",
                   "This daemon set is selecting all pods. A non-empty selector is required.");
    return;
  }
  Revisions revisions = sync_revisions(api(), *revisions_, ds, "DaemonSet");
  const std::string hash = object::label(revisions.current, kControllerRevisionHashLabel).value_or("");
  PodsByNode pods = claim_pods(ds);

  Json pod_spec = ds["spec"].value("template", Json::object()).value("spec", Json::object());
  add_daemon_tolerations(pod_spec);
  std::map<std::string, bool> should_run;
  for (const auto& node : nodes_->indexer().list())
    should_run[object::name_of(*node)] = node_should_run(*node, pod_spec);

  std::int64_t desired = 0;
  for (const auto& [node, run] : should_run) desired += run;
  const bool rolling = string_at(ds, "/spec/updateStrategy/type", "RollingUpdate") == "RollingUpdate";
  const bool surge = rolling && daemon_update_budget(ds, desired).max_surge > 0;

  std::string manage_error;
  bool waiting_for_availability = false;
  if (expectations_.satisfied(key)) {
    std::vector<std::string> to_create;
    std::vector<ObjectPtr> to_delete;
    for (const auto& [node, run] : should_run) {
      std::vector<ObjectPtr> live;
      if (auto it = pods.find(node); it != pods.end())
        for (const auto& pod : it->second) {
          if (object::is_being_deleted(*pod)) continue;
          if (string_at(*pod, "/status/phase") == "Failed") {
            to_delete.push_back(pod);  // replaced by a fresh pod
            continue;
          }
          live.push_back(pod);
        }
      if (!run) {
        to_delete.insert(to_delete.end(), live.begin(), live.end());
        continue;
      }
      if (live.empty()) {
        to_create.push_back(node);
      } else {
        auto surplus = surplus_daemon_pods(live, hash, surge);
        to_delete.insert(to_delete.end(), surplus.begin(), surplus.end());
      }
    }
    // Pods on nodes that are gone.
    for (const auto& [node, list] : pods)
      if (!should_run.count(node))
        for (const auto& pod : list)
          if (!object::is_being_deleted(*pod)) to_delete.push_back(pod);
    if (rolling) {
      DaemonUpdatePlan plan = plan_rolling_update(ds, pods, should_run, hash);
      for (const auto& victim : plan.remove)
        if (std::find(to_delete.begin(), to_delete.end(), victim) == to_delete.end()) to_delete.push_back(victim);
      to_create.insert(to_create.end(), plan.create_on.begin(), plan.create_on.end());
      waiting_for_availability = plan.waiting_for_availability;
    }
    try {
      if (!to_create.empty() || !to_delete.empty()) create_and_delete(ds, key, to_create, to_delete, hash);
    } catch (const std::exception& e) {
      manage_error = e.what();
    }
  }
  const Json status = compute_status(ds, pods, should_run, hash);
  write_status(api(), kDaemonSets, ds, status);

  std::vector<std::string> in_use;
  for (const auto& [node, list] : pods)
    for (const auto& pod : list) in_use.push_back(pod_hash(*pod));
  trim_history(api(), revisions, ds, in_use);
  if (!manage_error.empty()) throw std::runtime_error(manage_error);
  const auto min_ready = int_at(ds, "/spec/minReadySeconds", 0);
  // Availability comes minReadySeconds after readiness: look again then.
  if (min_ready > 0 &&
      (waiting_for_availability || status.value("numberReady", 0) != status.value("numberAvailable", 0)))
    enqueue_after(key, std::chrono::seconds(min_ready));
}

}  // namespace k3s::controllers::apps
