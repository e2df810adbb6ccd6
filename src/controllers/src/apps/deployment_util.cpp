#include "apps/deployment_util.h"

#include <algorithm>
#include <charconv>

#include "apps/apps_util.h"
#include "controller_utils.h"
#include "object/meta.h"

namespace k3s::controllers::apps {

std::int64_t replicas_of(const Json& object) { return int_at(object, "/spec/replicas", 1); }

bool is_rolling_update(const Json& deployment) {
  return string_at(deployment, "/spec/strategy/type", "RollingUpdate") == "RollingUpdate";
}

std::pair<std::int64_t, std::int64_t> resolve_fenceposts(const Json& deployment) {
  const std::int64_t desired = replicas_of(deployment);
  Json rolling = Json::object();
  Json::json_pointer p("/spec/strategy/rollingUpdate");
  if (deployment.contains(p) && deployment.at(p).is_object()) rolling = deployment.at(p);
  const Json surge_value = rolling.contains("maxSurge") ? rolling["maxSurge"] : Json("25%");
  const Json unavailable_value = rolling.contains("maxUnavailable") ? rolling["maxUnavailable"] : Json("25%");
  std::int64_t surge = 0, unavailable = 0;
  try {
    surge = scaled_value(surge_value, desired, true);
    unavailable = scaled_value(unavailable_value, desired, false);
  } catch (const std::exception&) {
    // Validation rejects these; never let a bad value stall a rollout completely.
    surge = 0;
    unavailable = 1;
  }
  if (surge == 0 && unavailable == 0) unavailable = 1;
  return {surge, unavailable};
}

std::int64_t max_surge(const Json& deployment) {
  if (!is_rolling_update(deployment)) return 0;
  return resolve_fenceposts(deployment).first;
}

std::int64_t max_unavailable(const Json& deployment) {
  const std::int64_t desired = replicas_of(deployment);
  if (!is_rolling_update(deployment) || desired == 0) return 0;
  return std::min(resolve_fenceposts(deployment).second, desired);
}

std::optional<std::int64_t> int_annotation(const Json& object, const char* key) {
  auto value = object::annotation(object, key);
  if (!value || value->empty()) return std::nullopt;
  std::int64_t out = 0;
  auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), out);
  if (ec != std::errc() || ptr != value->data() + value->size()) return std::nullopt;
  return out;
}

std::int64_t revision_of(const Json& object) { return int_annotation(object, kRevisionAnnotation).value_or(0); }

std::int64_t max_revision(const RSList& sets) {
  std::int64_t most = 0;
  for (const auto& rs : sets) most = std::max(most, revision_of(rs));
  return most;
}

namespace {

bool skip_copied_annotation(const std::string& key) {
  return key == "kubectl.kubernetes.io/last-applied-configuration" || key == kRevisionAnnotation ||
         key == kRevisionHistoryAnnotation || key == kDesiredReplicasAnnotation || key == kMaxReplicasAnnotation ||
         key == "deprecated.deployment.rollback.to";
}

}  // namespace

bool set_replicas_annotations(Json& rs, std::int64_t desired, std::int64_t max) {
  bool changed = false;
  for (auto [key, value] : {std::pair{kDesiredReplicasAnnotation, desired}, std::pair{kMaxReplicasAnnotation, max}}) {
    const std::string text = std::to_string(value);
    if (object::annotation(rs, key) == text) continue;
    object::set_annotation(rs, key, text);
    changed = true;
  }
  return changed;
}

bool replicas_annotations_need_update(const Json& rs, std::int64_t desired, std::int64_t max) {
  return object::annotation(rs, kDesiredReplicasAnnotation) != std::to_string(desired) ||
         object::annotation(rs, kMaxReplicasAnnotation) != std::to_string(max);
}

bool set_new_rs_annotations(const Json& deployment, Json& rs, std::int64_t new_revision, bool exists) {
  bool changed = false;
  for (const auto& [key, value] : object::annotations_of(deployment)) {
    if (skip_copied_annotation(key) || object::annotation(rs, key) == value) continue;
    object::set_annotation(rs, key, value);
    changed = true;
  }
  const auto old_text = object::annotation(rs, kRevisionAnnotation);
  const std::int64_t old_revision = revision_of(rs);
  if (old_revision < new_revision) {
    object::set_annotation(rs, kRevisionAnnotation, std::to_string(new_revision));
    changed = true;
    if (old_text && !old_text->empty()) {
      // The revisions this template had before (a rollback reuses an old set).
      auto history = object::annotation(rs, kRevisionHistoryAnnotation).value_or("");
      object::set_annotation(rs, kRevisionHistoryAnnotation, history.empty() ? *old_text : history + "," + *old_text);
    }
  }
  if (!exists && set_replicas_annotations(rs, replicas_of(deployment), replicas_of(deployment) + max_surge(deployment)))
    changed = true;
  return changed;
}

namespace {
// Drops nulls and empty maps/lists: a template that went through a Go client (kubectl
// rollout undo) comes back with "creationTimestamp": null and "resources": {}, which mean
// the same as absent fields.
void drop_empty(Json& value) {
  if (!value.is_object()) {
    if (value.is_array())
      for (auto& item : value) drop_empty(item);
    return;
  }
  for (auto it = value.begin(); it != value.end();) {
    drop_empty(*it);
    if (it->is_null() || (it->is_object() && it->empty()) || (it->is_array() && it->empty()))
      it = value.erase(it);
    else
      ++it;
  }
}

Json without_hash(Json template_) {
  drop_empty(template_);
  Json::json_pointer labels("/metadata/labels");
  if (template_.contains(labels) && template_.at(labels).is_object()) {
    template_.at(labels).erase(kPodTemplateHashLabel);
    if (template_.at(labels).empty()) template_["metadata"].erase("labels");
  }
  if (template_.contains("metadata") && template_["metadata"].is_object() && template_["metadata"].empty())
    template_.erase("metadata");
  return template_;
}
}  // namespace

bool equal_ignore_hash(const Json& template_a, const Json& template_b) {
  return without_hash(template_a) == without_hash(template_b);
}

std::optional<Json> find_new_rs(const Json& deployment, const RSList& sets) {
  RSList sorted = sets;
  sort_by_creation(sorted);
  const Json tmpl = deployment.value("spec", Json::object()).value("template", Json::object());
  for (const auto& rs : sorted)
    if (equal_ignore_hash(rs.value("spec", Json::object()).value("template", Json::object()), tmpl)) return rs;
  return std::nullopt;
}

RSList old_rss(const RSList& sets, const std::optional<Json>& new_rs) {
  RSList out;
  for (const auto& rs : sets)
    if (!new_rs || object::uid_of(rs) != object::uid_of(*new_rs)) out.push_back(rs);
  return out;
}

std::int64_t sum_spec_replicas(const RSList& sets) {
  std::int64_t total = 0;
  for (const auto& rs : sets) total += int_at(rs, "/spec/replicas", 0);
  return total;
}

std::int64_t sum_status(const RSList& sets, const char* field) {
  std::int64_t total = 0;
  const std::string pointer = std::string("/status/") + field;
  for (const auto& rs : sets) total += int_at(rs, pointer.c_str(), 0);
  return total;
}

RSList active_rss(const RSList& sets) {
  RSList out;
  for (const auto& rs : sets)
    if (int_at(rs, "/spec/replicas", 0) > 0) out.push_back(rs);
  return out;
}

namespace {
std::string created(const Json& o) { return string_at(o, "/metadata/creationTimestamp"); }
}  // namespace

void sort_by_creation(RSList& sets) {
  std::stable_sort(sets.begin(), sets.end(), [](const Json& a, const Json& b) {
    if (created(a) != created(b)) return created(a) < created(b);
    return object::name_of(a) < object::name_of(b);
  });
}

void sort_by_size_newer(RSList& sets) {
  std::stable_sort(sets.begin(), sets.end(), [](const Json& a, const Json& b) {
    const auto ra = int_at(a, "/spec/replicas", 0), rb = int_at(b, "/spec/replicas", 0);
    if (ra != rb) return ra > rb;
    if (created(a) != created(b)) return created(a) > created(b);
    return object::name_of(a) > object::name_of(b);
  });
}

void sort_by_size_older(RSList& sets) {
  std::stable_sort(sets.begin(), sets.end(), [](const Json& a, const Json& b) {
    const auto ra = int_at(a, "/spec/replicas", 0), rb = int_at(b, "/spec/replicas", 0);
    if (ra != rb) return ra > rb;
    if (created(a) != created(b)) return created(a) < created(b);
    return object::name_of(a) < object::name_of(b);
  });
}

std::int64_t new_rs_new_replicas(const Json& deployment, const RSList& all, const Json& new_rs) {
  const std::int64_t desired = replicas_of(deployment);
  const std::int64_t current_new = int_at(new_rs, "/spec/replicas", 0);
  if (!is_rolling_update(deployment)) return desired;
  const std::int64_t max_total = desired + max_surge(deployment);
  const std::int64_t current_total = sum_spec_replicas(all);
  if (current_total >= max_total) return current_new;
  const std::int64_t scale_up = std::min(max_total - current_total, desired - current_new);
  return current_new + std::max<std::int64_t>(scale_up, 0);
}

Json deployment_condition(const std::string& type, const std::string& status, const std::string& reason,
                          const std::string& message) {
  const std::string now = now_rfc3339();
  return Json{{"type", type},
              {"status", status},
              {"lastUpdateTime", now},
              {"lastTransitionTime", now},
              {"reason", reason},
              {"message", message}};
}

Json calculate_status(const RSList& all, const std::optional<Json>& new_rs, const Json& deployment) {
  const std::int64_t available = sum_status(all, "availableReplicas");
  const std::int64_t total = sum_spec_replicas(all);
  Json status = Json::object();
  const Json previous = deployment.value("status", Json::object());
  if (auto generation = object::generation_of(deployment)) status["observedGeneration"] = generation;
  // Zero counts are omitted, as kube's omitempty fields are.
  auto put = [&](const char* field, std::int64_t value) {
    if (value) status[field] = value;
  };
  put("replicas", sum_status(all, "replicas"));
  put("updatedReplicas", new_rs ? int_at(*new_rs, "/status/replicas", 0) : 0);
  put("readyReplicas", sum_status(all, "readyReplicas"));
  put("availableReplicas", available);
  put("unavailableReplicas", std::max<std::int64_t>(total - available, 0));
  if (previous.contains("collisionCount")) status["collisionCount"] = previous["collisionCount"];
  if (previous.contains("conditions")) status["conditions"] = previous["conditions"];
  if (available >= replicas_of(deployment) - max_unavailable(deployment))
    set_condition(status, deployment_condition("Available", "True", kMinimumAvailable,
                                               "Deployment has minimum availability."));
  else
    set_condition(status, deployment_condition("Available", "False", kMinimumUnavailable,
                                               "Deployment does not have minimum availability."));
  return status;
}

bool has_progress_deadline(const Json& deployment) {
  const auto deadline = int_at(deployment, "/spec/progressDeadlineSeconds", 600);
  return deadline != 2147483647;
}

bool deployment_complete(const Json& deployment, const Json& status) {
  const std::int64_t desired = replicas_of(deployment);
  return int_at(status, "/updatedReplicas", 0) == desired && int_at(status, "/replicas", 0) == desired &&
         int_at(status, "/availableReplicas", 0) == desired &&
         int_at(status, "/observedGeneration", 0) >= object::generation_of(deployment);
}

bool deployment_progressing(const Json& deployment, const Json& new_status) {
  const Json old_status = deployment.value("status", Json::object());
  auto get = [](const Json& s, const char* f) { return s.value(f, std::int64_t{0}); };
  const auto old_old = get(old_status, "replicas") - get(old_status, "updatedReplicas");
  const auto new_old = get(new_status, "replicas") - get(new_status, "updatedReplicas");
  return get(new_status, "updatedReplicas") > get(old_status, "updatedReplicas") || new_old < old_old ||
         get(new_status, "readyReplicas") > get(old_status, "readyReplicas") ||
         get(new_status, "availableReplicas") > get(old_status, "availableReplicas");
}

bool deployment_timed_out(const Json& deployment, const Json& new_status) {
  if (!has_progress_deadline(deployment)) return false;
  const Json* progressing = find_condition(new_status, "Progressing");
  if (!progressing) return false;
  const std::string reason = progressing->value("reason", "");
  if (reason == kNewRSAvailable) return false;
  if (reason == kTimedOut) return true;
  auto from = object::parse_time(progressing->value("lastUpdateTime", ""));
  if (!from) return false;
  const auto deadline = std::chrono::seconds(int_at(deployment, "/spec/progressDeadlineSeconds", 600));
  return *from + deadline < object::now();
}

}  // namespace k3s::controllers::apps
