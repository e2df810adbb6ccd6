#include "batch/job_util.h"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "object/meta.h"

namespace k3s::controllers::batch {

const Json* true_condition(const Json& object, const std::string& type) {
  const auto status = object.find("status");
  if (status == object.end() || !status->is_object()) return nullptr;
  const auto conditions = status->find("conditions");
  if (conditions == status->end() || !conditions->is_array()) return nullptr;
  for (const auto& c : *conditions)
    if (c.is_object() && c.value("type", "") == type && c.value("status", "") == "True") return &c;
  return nullptr;
}

std::string job_finished_type(const Json& job) {
  if (true_condition(job, "Complete")) return "Complete";
  if (true_condition(job, "Failed")) return "Failed";
  return "";
}

std::optional<std::chrono::sys_seconds> job_finish_time(const Json& job) {
  const std::string type = job_finished_type(job);
  if (type.empty()) return std::nullopt;
  std::string text;
  if (type == "Complete" && job.contains("status")) text = job["status"].value("completionTime", "");
  if (text.empty()) text = true_condition(job, type)->value("lastTransitionTime", "");
  auto t = object::parse_time(text);
  if (!t) return std::nullopt;
  return std::chrono::floor<std::chrono::seconds>(*t);
}

bool set_condition(Json& status, const std::string& type, const std::string& condition_status,
                   const std::string& reason, const std::string& message, const std::string& now) {
  if (!status.contains("conditions") || !status["conditions"].is_array()) status["conditions"] = Json::array();
  for (auto& c : status["conditions"]) {
    if (c.value("type", "") != type) continue;
    if (c.value("status", "") == condition_status && c.value("reason", "") == reason &&
        c.value("message", "") == message)
      return false;
    if (c.value("status", "") != condition_status) c["lastTransitionTime"] = now;
    c["status"] = condition_status;
    c["reason"] = reason;
    c["message"] = message;
    c["lastProbeTime"] = now;
    return true;
  }
  status["conditions"].push_back({{"type", type},
                                  {"status", condition_status},
                                  {"reason", reason},
                                  {"message", message},
                                  {"lastProbeTime", now},
                                  {"lastTransitionTime", now}});
  return true;
}

std::set<int> parse_indexes(const std::string& text, int completions) {
  std::set<int> out;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    if (part.empty()) continue;
    const auto dash = part.find('-');
    int lo = 0, hi = 0;
    const std::string a = part.substr(0, dash), b = dash == std::string::npos ? a : part.substr(dash + 1);
    if (std::from_chars(a.data(), a.data() + a.size(), lo).ec != std::errc() ||
        std::from_chars(b.data(), b.data() + b.size(), hi).ec != std::errc())
      continue;
    for (int i = std::max(lo, 0); i <= hi && i < completions; ++i) out.insert(i);
  }
  return out;
}

std::string format_indexes(const std::set<int>& indexes) {
  std::string out;
  for (auto it = indexes.begin(); it != indexes.end();) {
    int lo = *it, hi = lo;
    for (++it; it != indexes.end() && *it == hi + 1; ++it) hi = *it;
    if (!out.empty()) out += ",";
    out += std::to_string(lo);
    if (hi > lo) out += "-" + std::to_string(hi);
  }
  return out;
}

int completion_index_of(const Json& pod) {
  auto text = object::annotation(pod, kJobCompletionIndex);
  if (!text) text = object::label(pod, kJobCompletionIndex);
  if (!text) return -1;
  int v = -1;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || p != text->data() + text->size() || v < 0) return -1;
  return v;
}

namespace {

// The first terminated container (init containers too) whose exit code satisfies the
// requirement; kube ignores successful containers for NotIn.
std::optional<std::pair<std::string, int>> exit_code_match(const Json& pod, const Json& requirement) {
  const std::string container = requirement.value("containerName", "");
  const std::string op = requirement.value("operator", "");
  const Json values = requirement.value("values", Json::array());
  auto in_values = [&](int code) { return std::find(values.begin(), values.end(), Json(code)) != values.end(); };
  const Json status = pod.value("status", Json::object());
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    for (const auto& cs : status.value(list, Json::array())) {
      if (!container.empty() && cs.value("name", "") != container) continue;
      const Json terminated = cs.value("state", Json::object()).value("terminated", Json());
      if (!terminated.is_object() || !terminated.contains("exitCode")) continue;
      const int code = terminated["exitCode"].get<int>();
      if ((op == "In" && in_values(code)) || (op == "NotIn" && code != 0 && !in_values(code)))
        return std::make_pair(cs.value("name", ""), code);
    }
  }
  return std::nullopt;
}

}  // namespace

FailurePolicyMatch match_pod_failure_policy(const Json& job, const Json& pod) {
  const Json policy = job.value("spec", Json::object()).value("podFailurePolicy", Json());
  if (!policy.is_object()) return {};
  const Json rules = policy.value("rules", Json::array());
  const std::string pod_ref = object::namespace_of(pod) + "/" + object::name_of(pod);
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const auto& rule = rules[i];
    const std::string action = rule.value("action", "");
    if (rule.contains("onExitCodes") && rule["onExitCodes"].is_object()) {
      if (auto m = exit_code_match(pod, rule["onExitCodes"]))
        return {action, "Container " + m->first + " for pod " + pod_ref + " failed with exit code " +
                            std::to_string(m->second) + " matching " + action + " rule at index " + std::to_string(i)};
    } else if (rule.contains("onPodConditions") && rule["onPodConditions"].is_array()) {
      for (const auto& pattern : rule["onPodConditions"]) {
        const std::string type = pattern.value("type", ""), want = pattern.value("status", "True");
        for (const auto& c : pod.value("status", Json::object()).value("conditions", Json::array()))
          if (c.value("type", "") == type && c.value("status", "") == want)
            return {action, "Pod " + pod_ref + " has condition " + type + " matching " + action + " rule at index " +
                                std::to_string(i)};
      }
    }
  }
  return {};
}

std::chrono::seconds pod_failure_backoff(int failures) {
  if (failures <= 0) return std::chrono::seconds(0);
  std::int64_t delay = 10;
  for (int i = 1; i < failures && delay < 360; ++i) delay *= 2;
  return std::chrono::seconds(std::min<std::int64_t>(delay, 360));
}

}  // namespace k3s::controllers::batch
