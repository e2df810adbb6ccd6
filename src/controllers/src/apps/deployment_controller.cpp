#include <spdlog/spdlog.h>

#include <algorithm>

#include "apps/apps_util.h"
#include "apps/deployment.h"
#include "controller_utils.h"
#include "object/meta.h"

namespace k3s::controllers::apps {

namespace {
const client::GroupVersionResource& kDeployments = client::resources::kDeployments;
const client::GroupVersionResource& kReplicaSets = client::resources::kReplicaSets;
}  // namespace

DeploymentController::DeploymentController(ControllerContext& context) : QueueController(context, "deployment") {
  deployments_ = informers().informer_for(kDeployments);
  replica_sets_ = informers().informer_for(kReplicaSets);
  pods_ = informers().informer_for(client::resources::kPods);
  deployments_->add_event_handler(enqueue_handlers(Deletes::enqueue));
  replica_sets_->add_event_handler({
      .on_add =
          [this](const ObjectPtr& rs) {
            if (controller_ref_of(*rs))
              enqueue_owner_of(*rs);
            else
              enqueue_matching(*rs);
          },
      .on_update =
          [this](const ObjectPtr& old_rs, const ObjectPtr& rs) {
            if (object::resource_version_of(*old_rs) == object::resource_version_of(*rs)) return;
            enqueue_owner_of(*old_rs);
            if (controller_ref_of(*rs))
              enqueue_owner_of(*rs);
            else
              enqueue_matching(*rs);
          },
      .on_delete =
          [this](const client::DeletedObject& d) {
            if (d.object) enqueue_owner_of(*d.object);
          },
  });
  // Recreate waits for the old pods to be gone: their removal is worth a look.
  pods_->add_event_handler({
      .on_delete =
          [this](const client::DeletedObject& d) {
            if (!d.object) return;
            const Json* ref = controller_ref_of(*d.object);
            if (!ref || ref->value("kind", "") != "ReplicaSet") return;
            auto rs = replica_sets_->indexer().get(object::namespace_of(*d.object), ref->value("name", ""));
            if (rs) enqueue_owner_of(*rs);
          },
  });
}

void DeploymentController::enqueue_owner_of(const Json& rs) {
  const Json* ref = controller_ref_of(rs);
  if (!ref || ref->value("kind", "") != "Deployment") return;
  auto d = deployments_->indexer().get(object::namespace_of(rs), ref->value("name", ""));
  if (d && object::uid_of(*d) == ref->value("uid", "")) enqueue(*d);
}

void DeploymentController::enqueue_matching(const Json& rs) {
  const auto labels = labels_set(rs);
  for (const auto& d : in_namespace(*deployments_, object::namespace_of(rs)))
    if (selector_of(*d).matches(labels)) enqueue(*d);
}

RSList DeploymentController::claim_replica_sets(const Json& deployment) {
  const auto selector = selector_of(deployment);
  const bool deleting = object::is_being_deleted(deployment);
  std::optional<bool> can_adopt;
  RSList owned;
  for (const auto& cached : in_namespace(*replica_sets_, object::namespace_of(deployment))) {
    const Json& rs = *cached;
    const bool matches = selector.matches(labels_set(rs));
    if (is_controlled_by(rs, deployment)) {
      if (matches)
        owned.push_back(rs);
      else if (!deleting)
        release(api(), kReplicaSets, rs, deployment);
      continue;
    }
    if (controller_ref_of(rs) || !matches || deleting || object::is_being_deleted(rs)) continue;
    if (!can_adopt) {
      Json fresh = api().get(kDeployments, object::namespace_of(deployment), object::name_of(deployment));
      can_adopt = object::uid_of(fresh) == object::uid_of(deployment) && !object::is_being_deleted(fresh);
    }
    if (!*can_adopt) continue;
    adopt(api(), kReplicaSets, rs, deployment, "apps/v1", "Deployment");
    Json adopted = rs;
    adopted["metadata"]["ownerReferences"].push_back(make_controller_ref(deployment, "apps/v1", "Deployment"));
    owned.push_back(std::move(adopted));
  }
  return owned;
}

void DeploymentController::write_deployment_status(Json& deployment, const Json& status) {
  deployment = write_status(api(), kDeployments, deployment, status);
}

void DeploymentController::update_revision(Json& deployment, const std::string& revision, const std::string& rs_name,
                                           const std::string& reason) {
  if (!revision.empty() && object::annotation(deployment, kRevisionAnnotation) != revision) {
    Json patch = {{"metadata", {{"annotations", {{kRevisionAnnotation, revision}}}}}};
    deployment = api().patch(kDeployments, object::namespace_of(deployment), object::name_of(deployment),
                             client::PatchType::merge, patch);
  }
  Json status = deployment.value("status", Json::object());
  if (reason.empty() || !has_progress_deadline(deployment)) return;
  if (reason == kFoundNewRS && find_condition(status, "Progressing")) return;
  const std::string message = reason == kNewRSCreated ? "Created new replica set \"" + rs_name + "\""
                                                      : "Found new replica set \"" + rs_name + "\"";
  set_condition(status, deployment_condition("Progressing", "True", reason, message));
  write_deployment_status(deployment, status);
}

std::optional<Json> DeploymentController::new_replica_set(Json& deployment, const RSList& sets, bool create) {
  auto existing = find_new_rs(deployment, sets);
  const std::int64_t new_revision = max_revision(old_rss(sets, existing)) + 1;
  if (existing) {
    Json rs = *existing;
    const bool annotations_changed = set_new_rs_annotations(deployment, rs, new_revision, true);
    const auto min_ready = int_at(deployment, "/spec/minReadySeconds", 0);
    if (annotations_changed || int_at(rs, "/spec/minReadySeconds", 0) != min_ready) {
      rs["spec"]["minReadySeconds"] = min_ready;
      return api().update(kReplicaSets, rs);
    }
    update_revision(deployment, object::annotation(rs, kRevisionAnnotation).value_or(""), object::name_of(rs),
                    kFoundNewRS);
    return rs;
  }
  if (!create) return std::nullopt;

  Json tmpl = deployment["spec"].value("template", Json::object());
  std::optional<std::int32_t> collisions;
  Json::json_pointer collision_pointer("/status/collisionCount");
  if (deployment.contains(collision_pointer) && deployment.at(collision_pointer).is_number_integer())
    collisions = deployment.at(collision_pointer).get<std::int32_t>();
  const std::string hash = compute_hash(tmpl, collisions);
  tmpl["metadata"]["labels"][kPodTemplateHashLabel] = hash;
  Json selector = deployment["spec"].value("selector", Json::object());
  selector["matchLabels"][kPodTemplateHashLabel] = hash;

  Json rs = {{"apiVersion", "apps/v1"},
             {"kind", "ReplicaSet"},
             {"metadata",
              {{"name", object::name_of(deployment) + "-" + hash},
               {"namespace", object::namespace_of(deployment)},
               {"labels", tmpl["metadata"]["labels"]},
               {"ownerReferences", Json::array({make_controller_ref(deployment, "apps/v1", "Deployment")})}}},
             {"spec",
              {{"replicas", 0},
               {"minReadySeconds", int_at(deployment, "/spec/minReadySeconds", 0)},
               {"selector", selector},
               {"template", tmpl}}}};
  RSList all = sets;
  all.push_back(rs);
  const std::int64_t replicas = new_rs_new_replicas(deployment, all, rs);
  rs["spec"]["replicas"] = replicas;
  set_new_rs_annotations(deployment, rs, new_revision, false);

  bool already_exists = false;
  Json created;
  try {
    created = api().create(kReplicaSets, rs);
  } catch (const client::ApiError& e) {
    if (!e.is_already_exists()) throw;
    Json current = api().get(kReplicaSets, object::namespace_of(rs), object::name_of(rs));
    if (!is_controlled_by(current, deployment) ||
        !equal_ignore_hash(current["spec"].value("template", Json::object()), deployment["spec"]["template"])) {
      // Another template hashed to the same name: try the next hash.
      Json status = deployment.value("status", Json::object());
      status["collisionCount"] = collisions.value_or(0) + 1;
      write_deployment_status(deployment, status);
      throw std::runtime_error("hash collision for replica set " + object::name_of(rs));
    }
    created = current;  // ours, created by an earlier sync the cache has not shown yet
    already_exists = true;
  }
  if (!already_exists && replicas > 0)
    events().event(deployment, client::kEventTypeNormal, "ScalingReplicaSet",
                   "Scaled up replica set " + object::name_of(created) + " to " + std::to_string(replicas) + " from 0");
  update_revision(deployment, std::to_string(new_revision), object::name_of(created),
                  already_exists ? "" : kNewRSCreated);
  return created;
}

bool DeploymentController::check_paused_conditions(Json& deployment) {
  if (!has_progress_deadline(deployment)) return false;
  Json status = deployment.value("status", Json::object());
  const Json* progressing = find_condition(status, "Progressing");
  if (progressing && progressing->value("reason", "") == kTimedOut) return false;
  const bool paused_condition = progressing && progressing->value("reason", "") == kPaused;
  const bool paused = deployment["spec"].value("paused", false);
  if (paused && !paused_condition)
    set_condition(status, deployment_condition("Progressing", "Unknown", kPaused, "Deployment is paused"));
  else if (!paused && paused_condition)
    set_condition(status, deployment_condition("Progressing", "Unknown", kResumed, "Deployment is resumed"));
  else
    return false;
  write_deployment_status(deployment, status);
  return true;
}

void DeploymentController::cleanup(const Json& deployment, const RSList& old_sets) {
  Json::json_pointer limit_pointer("/spec/revisionHistoryLimit");
  if (!deployment.contains(limit_pointer)) return;  // no limit
  const std::int64_t limit = int_at(deployment, "/spec/revisionHistoryLimit", 10);
  RSList cleanable;
  for (const auto& rs : old_sets)
    if (!object::is_being_deleted(rs)) cleanable.push_back(rs);
  const std::int64_t excess = static_cast<std::int64_t>(cleanable.size()) - limit;
  if (excess <= 0) return;
  sort_by_creation(cleanable);
  std::stable_sort(cleanable.begin(), cleanable.end(),
                   [](const Json& a, const Json& b) { return revision_of(a) < revision_of(b); });
  for (std::int64_t i = 0; i < excess; ++i) {
    const Json& rs = cleanable[i];
    if (int_at(rs, "/status/replicas", 0) != 0 || int_at(rs, "/spec/replicas", 0) != 0 ||
        object::generation_of(rs) > int_at(rs, "/status/observedGeneration", 0))
      continue;
    try {
      api().remove(kReplicaSets, object::namespace_of(rs), object::name_of(rs));
    } catch (const client::ApiError& e) {
      if (!e.is_not_found()) throw;
    }
  }
}

void DeploymentController::sync_status_only(Json& deployment, const RSList& sets) {
  auto new_rs = find_new_rs(deployment, sets);
  write_deployment_status(deployment, calculate_status(sets, new_rs, deployment));
}

void DeploymentController::requeue_stuck(const Json& deployment, const Json& status) {
  const Json* progressing = find_condition(status, "Progressing");
  if (!progressing || !has_progress_deadline(deployment)) return;
  const std::string reason = progressing->value("reason", "");
  if (reason == kNewRSAvailable || reason == kTimedOut) return;
  auto from = object::parse_time(progressing->value("lastUpdateTime", ""));
  if (!from) return;
  const auto deadline = std::chrono::seconds(int_at(deployment, "/spec/progressDeadlineSeconds", 600));
  const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(*from + deadline - object::now());
  enqueue_after(client::object_key(deployment), std::max(after, std::chrono::milliseconds(1000)));
}

void DeploymentController::sync_rollout_status(Json& deployment, const RSList& all, const std::optional<Json>& new_rs) {
  Json status = calculate_status(all, new_rs, deployment);
  if (!has_progress_deadline(deployment)) remove_condition(status, "Progressing");
  const Json* current = find_condition(status, "Progressing");
  const bool complete_before = current && current->value("reason", "") == kNewRSAvailable &&
                               status.value("replicas", 0) == status.value("updatedReplicas", 0);
  const std::string rs_name = new_rs ? object::name_of(*new_rs) : "";
  if (has_progress_deadline(deployment) && !complete_before) {
    if (deployment_complete(deployment, status)) {
      set_condition(status, deployment_condition("Progressing", "True", kNewRSAvailable,
                                                 "ReplicaSet \"" + rs_name + "\" has successfully progressed."));
    } else if (deployment_progressing(deployment, status)) {
      Json condition = deployment_condition(
          "Progressing", "True", kRSUpdated,
          new_rs ? "ReplicaSet \"" + rs_name + "\" is progressing." : std::string("Deployment is progressing."));
      // Progress moves lastUpdateTime (the deadline counts from it), not the transition.
      if (current && current->value("status", "") == "True" && current->contains("lastTransitionTime"))
        condition["lastTransitionTime"] = (*current)["lastTransitionTime"];
      remove_condition(status, "Progressing");
      set_condition(status, condition);
    } else if (deployment_timed_out(deployment, status)) {
      set_condition(status, deployment_condition("Progressing", "False", kTimedOut,
                                                 "ReplicaSet \"" + rs_name + "\" has timed out progressing."));
    }
  }
  // A ReplicaSet that cannot create its pods makes the deployment report it.
  const Json* failure = nullptr;
  for (const auto& rs : all)
    if (rs.contains("status"))
      if (const Json* c = find_condition(rs["status"], "ReplicaFailure"); c && c->value("status", "") == "True") {
        failure = c;
        break;
      }
  if (failure)
    set_condition(status, deployment_condition("ReplicaFailure", "True", failure->value("reason", ""),
                                               failure->value("message", "")));
  else
    remove_condition(status, "ReplicaFailure");
  write_deployment_status(deployment, status);
  requeue_stuck(deployment, status);
}

void DeploymentController::sync(const std::string& key) {
  auto cached = deployments_->indexer().get(key);
  if (!cached) return;
  Json deployment = *cached;
  const auto selector = selector_of(deployment);
  if (selector.is_nothing() || selector.empty()) {
    events().event(deployment, client::kEventTypeWarning, "SelectingAll",
                   "This deployment is selecting all pods. A non-empty selector is required.");
    Json status = deployment.value("status", Json::object());
    if (auto generation = object::generation_of(deployment)) status["observedGeneration"] = generation;
    write_deployment_status(deployment, status);
    return;
  }
  RSList sets = claim_replica_sets(deployment);
  if (object::is_being_deleted(deployment)) {
    sync_status_only(deployment, sets);
    return;
  }
  check_paused_conditions(deployment);
  if (deployment["spec"].value("paused", false) || is_scaling_event(deployment, sets)) {
    sync_scaling(deployment, sets);
    return;
  }
  if (string_at(deployment, "/spec/strategy/type", "RollingUpdate") == "Recreate")
    rollout_recreate(deployment, sets);
  else
    rollout_rolling(deployment, sets);
}

}  // namespace k3s::controllers::apps
