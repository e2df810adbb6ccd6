#include "pods.h"

#include "commands.h"
#include "object/meta.h"
#include "util/strings.h"

namespace k3s::kubectl {

Json pod_for_target(Session& session, const std::string& ns, const std::string& target) {
  auto slash = target.find('/');
  if (slash == std::string::npos) return session.api().get(client::resources::kPods, ns, target);
  auto info = session.resource(target.substr(0, slash));
  std::string name = target.substr(slash + 1);
  if (info.gvr == client::resources::kPods) return session.api().get(info.gvr, ns, name);
  Json owner = session.api().get(info.gvr, ns, name);
  const Json spec = owner.value("spec", Json::object());
  // Services select with a plain map; workloads with a LabelSelector's matchLabels.
  Json labels = info.gvr == client::resources::kServices
                    ? spec.value("selector", Json::object())
                    : spec.value("selector", Json::object()).value("matchLabels", Json::object());
  std::vector<std::string> terms;
  for (auto& [key, value] : labels.items()) terms.push_back(key + "=" + value.get<std::string>());
  if (terms.empty()) throw CommandError("cannot attach to " + info.kind + ": selector for " + info.kind + " is empty");
  Json list = session.api().list(client::resources::kPods, ns, {.label_selector = util::join(terms, ",")});
  const Json& items = list["items"];
  if (!items.is_array() || items.empty()) throw CommandError("timed out waiting for the condition");
  // Prefer a running pod, as kubectl's "active pods" ordering does.
  for (const auto& pod : items)
    if (pod.value("status", Json::object()).value("phase", "") == "Running") return pod;
  return items[0];
}

std::vector<std::string> container_names(const Json& pod) {
  std::vector<std::string> out;
  for (const auto& c : pod.value("spec", Json::object()).value("containers", Json::array())) out.push_back(c.value("name", ""));
  return out;
}

std::string container_for(const Json& pod, const std::string& requested, std::ostream& notes) {
  if (!requested.empty()) return requested;
  auto names = container_names(pod);
  if (names.empty()) return "";
  auto defaulted = object::annotation(pod, "kubectl.kubernetes.io/default-container");
  if (defaulted && std::find(names.begin(), names.end(), *defaulted) != names.end()) return *defaulted;
  if (names.size() > 1) {
    std::vector<std::string> all = names;
    const Json spec = pod.value("spec", Json::object());
    for (const auto& c : spec.value("initContainers", Json::array())) all.push_back(c.value("name", "") + " (init)");
    for (const auto& c : spec.value("ephemeralContainers", Json::array())) all.push_back(c.value("name", "") + " (ephem)");
    notes << "Defaulted container \"" << names[0] << "\" out of: " << util::join(all, ", ") << "\n";
  }
  return names[0];
}

streaming::Upgrader stream_upgrader(Session& session, std::string path_and_query) {
  return [&session, path = std::move(path_and_query)](const http::Headers& headers) {
    try {
      return session.api().raw_upgrade("GET", path, headers);
    } catch (const client::ApiError& e) {
      if (!streaming::is_spdy_upgrade(headers)) throw;
      http::UpgradeResponse refused;
      refused.status = e.code();
      refused.body = e.message();
      return refused;
    }
  };
}

}  // namespace k3s::kubectl
