#include "apps/claim_retention.h"

#include "apps/apps_util.h"
#include "controller_utils.h"
#include "object/meta.h"

namespace k3s::controllers::apps {

namespace {
std::string group_of(const std::string& api_version) {
  auto slash = api_version.find('/');
  return slash == std::string::npos ? "" : api_version.substr(0, slash);
}

// A reference naming `object` (by name, kind and group; the uid may differ).
bool names(const Json& ref, const Json& object, const std::string& api_version, const std::string& kind) {
  return ref.value("name", "") == object::name_of(object) && ref.value("kind", "") == kind &&
         group_of(ref.value("apiVersion", "")) == group_of(api_version);
}

bool stale_ref(const Json& refs, const Json& object, const std::string& api_version, const std::string& kind) {
  for (const auto& ref : refs)
    if (names(ref, object, api_version, kind)) return ref.value("uid", "") != object::uid_of(object);
  return false;
}

Json owner_refs_of(const Json& object) {
  const Json& refs = object.value("metadata", Json::object()).value("ownerReferences", Json::array());
  return refs.is_array() ? refs : Json::array();
}

bool is_delete(const Json& set, const char* pointer) { return string_at(set, pointer, "Retain") == "Delete"; }
}  // namespace

std::optional<Json> retained_claim_owner_refs(const Json& claim, const Json& set, const Json& pod, bool scaled_down) {
  const Json refs = owner_refs_of(claim);
  const bool pod_known = !object::uid_of(pod).empty();
  // References to an earlier set or pod of the same name belong to a previous incarnation.
  if (stale_ref(refs, set, "apps/v1", "StatefulSet") || (pod_known && stale_ref(refs, pod, "v1", "Pod")))
    return std::nullopt;

  bool foreign_controller = false;
  Json kept = Json::array();
  for (const auto& ref : refs) {
    const std::string uid = ref.value("uid", "");
    const bool ours = uid == object::uid_of(set) || (pod_known && uid == object::uid_of(pod));
    if (ours) continue;  // rebuilt below
    if (ref.value("controller", false)) foreign_controller = true;
    kept.push_back(ref);
  }
  if (foreign_controller) return kept;

  const bool delete_with_set = is_delete(set, "/spec/persistentVolumeClaimRetentionPolicy/whenDeleted");
  const bool delete_on_scale = is_delete(set, "/spec/persistentVolumeClaimRetentionPolicy/whenScaled");
  if (delete_on_scale && scaled_down) {
    if (pod_known) kept.push_back(make_controller_ref(pod, "v1", "Pod"));
  } else if (delete_with_set) {
    kept.push_back(make_controller_ref(set, "apps/v1", "StatefulSet"));
  }
  return kept;
}

bool claim_owned_by_earlier_pod(const Json& claim, const Json& pod) {
  for (const auto& ref : owner_refs_of(claim))
    if (names(ref, pod, "v1", "Pod") && ref.value("uid", "") != object::uid_of(pod)) return true;
  return false;
}

}  // namespace k3s::controllers::apps
