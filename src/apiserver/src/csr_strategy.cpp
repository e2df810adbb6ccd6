#include "csr_strategy.h"

#include "object/meta.h"
#include "status.h"

namespace k3s::apiserver {

using Json = nlohmann::json;

void prepare_csr_create(const UserInfo& user, Json& csr) {
  Json& spec = csr["spec"];
  if (!spec.is_object()) spec = Json::object();
  spec["username"] = user.name;
  if (user.uid.empty())
    spec.erase("uid");
  else
    spec["uid"] = user.uid;
  spec["groups"] = user.groups;
  spec.erase("extra");
  csr["status"] = Json::object();  // status is the signer's, not the requester's
}

Json csr_approval_update(const Json& current, const Json& next) {
  Json merged = current;
  Json conditions = Json::array();
  bool approved = false, denied = false;
  const Json wanted = next.contains("status") && next["status"].is_object()
                          ? next["status"].value("conditions", Json::array())
                          : Json::array();
  for (const auto& c : wanted) {
    if (!c.is_object()) continue;
    const std::string type = c.value("type", "");
    if (type != "Approved" && type != "Denied") continue;
    (type == "Approved" ? approved : denied) = true;
    Json condition = c;
    if (!condition.contains("status")) condition["status"] = "True";
    const std::string now = object::format_time(object::now());
    if (!condition.contains("lastUpdateTime")) condition["lastUpdateTime"] = now;
    if (!condition.contains("lastTransitionTime")) condition["lastTransitionTime"] = now;
    conditions.push_back(condition);
  }
  if (approved && denied) {
    const std::string message = "status.conditions[" + std::to_string(conditions.size() - 1) +
                                "].type: Invalid value: \"Denied\": Approved and Denied conditions are mutually exclusive";
    throw invalid("certificates.k8s.io", "CertificateSigningRequest", object::name_of(current),
                  Json::array({{{"reason", "FieldValueInvalid"},
                                {"message", "Invalid value: \"Denied\": Approved and Denied conditions are mutually exclusive"},
                                {"field", "status.conditions[" + std::to_string(conditions.size() - 1) + "].type"}}}),
                  message);
  }
  const Json existing = current.contains("status") && current["status"].is_object()
                            ? current["status"].value("conditions", Json::array())
                            : Json::array();
  for (const auto& c : existing) {
    const std::string type = c.value("type", "");
    if (type != "Approved" && type != "Denied") conditions.push_back(c);
  }
  if (!merged.contains("status") || !merged["status"].is_object()) merged["status"] = Json::object();
  if (conditions.empty())
    merged["status"].erase("conditions");
  else
    merged["status"]["conditions"] = conditions;
  if (next.contains("metadata") && next["metadata"].contains("managedFields"))
    merged["metadata"]["managedFields"] = next["metadata"]["managedFields"];
  return merged;
}

}  // namespace k3s::apiserver
