#include "core/taints.h"

#include <algorithm>

namespace k3s::controllers::core {

namespace {

bool is_managed(const Json& taint) {
  const std::string key = taint.value("key", "");
  const std::string effect = taint.value("effect", "");
  return (key == kTaintNotReady || key == kTaintUnreachable) && (effect == "NoExecute" || effect == "NoSchedule");
}

}  // namespace

bool tolerates(const Json& toleration, const Json& taint) {
  const std::string effect = toleration.value("effect", "");
  if (!effect.empty() && effect != taint.value("effect", "")) return false;
  const std::string key = toleration.value("key", "");
  const std::string op = toleration.value("operator", "Equal");
  if (key.empty()) return op == "Exists";
  if (key != taint.value("key", "")) return false;
  if (op == "Exists") return true;
  if (op == "Equal" || op.empty()) return toleration.value("value", "") == taint.value("value", "");
  return false;
}

std::optional<object::Timestamp> eviction_time(const Json& taints, const Json& tolerations, object::Timestamp now) {
  std::optional<object::Timestamp> earliest;
  auto consider = [&](object::Timestamp t) {
    if (!earliest || t < *earliest) earliest = t;
  };
  if (!taints.is_array()) return std::nullopt;
  for (const auto& taint : taints) {
    if (taint.value("effect", "") != "NoExecute") continue;
    const auto added = object::parse_time(taint.value("timeAdded", "")).value_or(now);
    std::optional<std::int64_t> seconds;  // smallest bound among the matching tolerations
    bool tolerated = false, forever = false;
    if (tolerations.is_array()) {
      for (const auto& tol : tolerations) {
        if (!tolerates(tol, taint)) continue;
        tolerated = true;
        const Json s = tol.value("tolerationSeconds", Json());
        if (!s.is_number_integer()) {
          forever = true;
          continue;
        }
        const std::int64_t v = std::max<std::int64_t>(0, s.get<std::int64_t>());
        seconds = seconds ? std::min(*seconds, v) : v;
      }
    }
    if (!tolerated) {
      consider(added);
    } else if (seconds) {
      // kube takes the smallest tolerationSeconds of the matching tolerations.
      consider(added + std::chrono::seconds(*seconds));
    } else if (!forever) {
      consider(added);
    }
  }
  return earliest;
}

Json condition_taints(const std::string& ready_status, const std::string& now) {
  Json out = Json::array();
  std::string key;
  if (ready_status == "False") key = kTaintNotReady;
  if (ready_status == "Unknown") key = kTaintUnreachable;
  if (key.empty()) return out;
  out.push_back({{"key", key}, {"effect", "NoSchedule"}});
  out.push_back({{"key", key}, {"effect", "NoExecute"}, {"timeAdded", now}});
  return out;
}

Json merge_condition_taints(const Json& current, const Json& wanted) {
  Json out = Json::array();
  if (current.is_array())
    for (const auto& t : current)
      if (!is_managed(t)) out.push_back(t);
  for (const auto& want : wanted) {
    Json t = want;
    if (current.is_array()) {
      for (const auto& existing : current) {
        if (is_managed(existing) && existing.value("key", "") == want.value("key", "") &&
            existing.value("effect", "") == want.value("effect", ""))
          t = existing;
      }
    }
    out.push_back(t);
  }
  return out;
}

}  // namespace k3s::controllers::core
