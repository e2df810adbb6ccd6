#include "apps/apps_util.h"

#include <cmath>
#include <stdexcept>

#include "controller_utils.h"
#include "object/meta.h"

namespace k3s::controllers::apps {

std::int64_t int_at(const Json& object, const char* pointer, std::int64_t fallback) {
  Json::json_pointer p(pointer);
  if (!object.contains(p)) return fallback;
  const Json& v = object.at(p);
  return v.is_number_integer() ? v.get<std::int64_t>() : fallback;
}

std::string string_at(const Json& object, const char* pointer, const std::string& fallback) {
  Json::json_pointer p(pointer);
  if (!object.contains(p)) return fallback;
  const Json& v = object.at(p);
  return v.is_string() ? v.get<std::string>() : fallback;
}

object::labels::Selector selector_of(const Json& workload, bool map_selector) {
  Json::json_pointer p("/spec/selector");
  if (!workload.contains(p) || workload.at(p).is_null()) return object::labels::Selector::nothing();
  const Json& selector = workload.at(p);
  try {
    if (map_selector) {
      object::labels::Set set;
      if (selector.is_object())
        for (const auto& [k, v] : selector.items())
          if (v.is_string()) set[k] = v.get<std::string>();
      // An empty RC selector would select every pod; kube defaults it to the template's labels.
      if (set.empty()) return object::labels::Selector::nothing();
      return object::labels::Selector::from_set(set);
    }
    auto s = object::labels::Selector::from_label_selector(selector);
    // An empty apps selector is rejected by validation; never let it claim every pod.
    return s.empty() ? object::labels::Selector::nothing() : s;
  } catch (const std::exception&) {
    return object::labels::Selector::nothing();
  }
}

object::labels::Set labels_set(const Json& object) { return object::labels_of(object); }

std::vector<ObjectPtr> in_namespace(const client::SharedInformer& informer, const std::string& namespace_) {
  return informer.indexer().by_index(client::kNamespaceIndex, namespace_);
}

namespace {

int phase_rank(const Json& pod) {
  const std::string phase = string_at(pod, "/status/phase");
  if (phase == "Pending") return 0;
  if (phase == "Unknown") return 1;
  if (phase == "Running") return 2;
  return 3;
}

std::int64_t restarts(const Json& pod) {
  std::int64_t most = 0;
  Json::json_pointer p("/status/containerStatuses");
  if (!pod.contains(p) || !pod.at(p).is_array()) return 0;
  for (const auto& s : pod.at(p)) most = std::max<std::int64_t>(most, s.value("restartCount", 0));
  return most;
}

std::string ready_since(const Json& pod) {
  Json::json_pointer p("/status/conditions");
  if (!pod.contains(p) || !pod.at(p).is_array()) return {};
  for (const auto& c : pod.at(p))
    if (c.value("type", "") == "Ready") return c.value("lastTransitionTime", "");
  return {};
}

}  // namespace

bool delete_first(const Json& a, const Json& b) {
  const bool a_assigned = !string_at(a, "/spec/nodeName").empty(), b_assigned = !string_at(b, "/spec/nodeName").empty();
  if (a_assigned != b_assigned) return !a_assigned;
  const int a_phase = phase_rank(a), b_phase = phase_rank(b);
  if (a_phase != b_phase) return a_phase < b_phase;
  const bool a_ready = is_pod_ready(a), b_ready = is_pod_ready(b);
  if (a_ready != b_ready) return !a_ready;
  if (a_ready && b_ready) {
    // Ready for less time goes first (RFC 3339 UTC strings order as times).
    const std::string ra = ready_since(a), rb = ready_since(b);
    if (ra != rb) return ra > rb;
  }
  const auto ca = restarts(a), cb = restarts(b);
  if (ca != cb) return ca > cb;
  const std::string ta = string_at(a, "/metadata/creationTimestamp"), tb = string_at(b, "/metadata/creationTimestamp");
  if (ta != tb) return ta > tb;
  return object::name_of(a) > object::name_of(b);
}

Json write_status(client::Client& api, const client::GroupVersionResource& resource, const Json& object,
                  const Json& status) {
  if (object.contains("status") && object["status"] == status) return object;
  Json next = object;
  next["status"] = status;
  try {
    return api.update_status(resource, next);
  } catch (const client::ApiError& e) {
    if (!e.is_conflict()) throw;
  }
  Json fresh = api.get(resource, object::namespace_of(object), object::name_of(object));
  if (object::uid_of(fresh) != object::uid_of(object)) return fresh;
  fresh["status"] = status;
  return api.update_status(resource, fresh);
}

std::int64_t scaled_value(const Json& int_or_percent, std::int64_t total, bool round_up) {
  if (int_or_percent.is_null()) return 0;
  if (int_or_percent.is_number_integer()) return int_or_percent.get<std::int64_t>();
  if (!int_or_percent.is_string()) throw std::invalid_argument("invalid value for IntOrString: " + int_or_percent.dump());
  const std::string text = int_or_percent.get<std::string>();
  if (text.size() < 2 || text.back() != '%')
    throw std::invalid_argument("invalid value for IntOrString: invalid type: string is not a percentage");
  std::size_t used = 0;
  std::int64_t percent = 0;
  try {
    percent = std::stoll(text.substr(0, text.size() - 1), &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() - 1) throw std::invalid_argument("invalid value \"" + text + "\": not a percentage");
  const double scaled = static_cast<double>(percent) * static_cast<double>(total) / 100.0;
  return static_cast<std::int64_t>(round_up ? std::ceil(scaled) : std::floor(scaled));
}

const Json* find_condition(const Json& status, const std::string& type) {
  auto it = status.find("conditions");
  if (it == status.end() || !it->is_array()) return nullptr;
  for (const auto& c : *it)
    if (c.value("type", "") == type) return &c;
  return nullptr;
}

void set_condition(Json& status, Json condition) {
  const std::string type = condition.value("type", "");
  if (const Json* existing = find_condition(status, type)) {
    if (existing->value("status", "") == condition.value("status", "") &&
        existing->value("reason", "") == condition.value("reason", ""))
      return;
    if (existing->value("status", "") == condition.value("status", "") && existing->contains("lastTransitionTime"))
      condition["lastTransitionTime"] = (*existing)["lastTransitionTime"];
  }
  remove_condition(status, type);
  status["conditions"].push_back(std::move(condition));
}

void remove_condition(Json& status, const std::string& type) {
  auto it = status.find("conditions");
  if (it == status.end() || !it->is_array()) return;
  Json kept = Json::array();
  for (auto& c : *it)
    if (c.value("type", "") != type) kept.push_back(c);
  if (kept.empty())
    status.erase("conditions");
  else
    *it = std::move(kept);
}

}  // namespace k3s::controllers::apps
