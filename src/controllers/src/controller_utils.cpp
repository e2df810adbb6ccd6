#include "controller_utils.h"

#include <spdlog/spdlog.h>

#include "object/meta.h"

namespace k3s::controllers {

namespace {

constexpr std::chrono::minutes kExpectationsTimeout{5};

// Patches the object's ownerReferences (strategic merge: the list merges on uid). The
// resourceVersion makes the patch a conditional write: when the object changed (or its name
// now belongs to another object) the API answers 409 and the caller's sync retries on
// fresher data, instead of adopting something the caller never examined.
void patch_owner_references(client::Client& api, const client::GroupVersionResource& resource, const Json& object,
                            const Json& reference) {
  Json patch = {{"metadata",
                 {{"ownerReferences", Json::array({reference})},
                  {"uid", object::uid_of(object)},
                  {"resourceVersion", object::resource_version_of(object)}}}};
  try {
    api.patch(resource, object::namespace_of(object), object::name_of(object), client::PatchType::strategic, patch);
  } catch (const client::ApiError& e) {
    if (!e.is_not_found()) throw;
  }
}

}  // namespace

// ---- owner references --------------------------------------------------------------------

Json make_controller_ref(const Json& owner, const std::string& api_version, const std::string& kind) {
  return Json{{"apiVersion", api_version},      {"kind", kind},         {"name", object::name_of(owner)},
              {"uid", object::uid_of(owner)},  {"controller", true},  {"blockOwnerDeletion", true}};
}

const Json* controller_ref_of(const Json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return nullptr;
  auto refs = meta->find("ownerReferences");
  if (refs == meta->end() || !refs->is_array()) return nullptr;
  for (const auto& ref : *refs) {
    if (!ref.is_object()) continue;
    auto controller = ref.find("controller");
    if (controller != ref.end() && controller->is_boolean() && controller->get<bool>()) return &ref;
  }
  return nullptr;
}

bool is_controlled_by(const Json& object, const Json& owner) {
  const Json* ref = controller_ref_of(object);
  if (!ref) return false;
  auto uid = ref->find("uid");
  return uid != ref->end() && uid->is_string() && uid->get<std::string>() == object::uid_of(owner);
}

void adopt(client::Client& api, const client::GroupVersionResource& resource, const Json& object, const Json& owner,
           const std::string& api_version, const std::string& kind) {
  patch_owner_references(api, resource, object, make_controller_ref(owner, api_version, kind));
}

void release(client::Client& api, const client::GroupVersionResource& resource, const Json& object,
             const Json& owner) {
  patch_owner_references(api, resource, object, Json{{"$patch", "delete"}, {"uid", object::uid_of(owner)}});
}

// ---- pods --------------------------------------------------------------------------------

bool is_pod_terminating(const Json& pod) { return object::is_being_deleted(pod); }

bool is_pod_active(const Json& pod) {
  const std::string phase = pod.value("/status/phase"_json_pointer, std::string());
  return phase != "Succeeded" && phase != "Failed" && !is_pod_terminating(pod);
}

namespace {
const Json* ready_condition(const Json& pod) {
  auto status = pod.find("status");
  if (status == pod.end() || !status->is_object()) return nullptr;
  auto conditions = status->find("conditions");
  if (conditions == status->end() || !conditions->is_array()) return nullptr;
  for (const auto& c : *conditions)
    if (c.is_object() && c.value("type", "") == "Ready") return &c;
  return nullptr;
}
}  // namespace

bool is_pod_ready(const Json& pod) {
  const Json* c = ready_condition(pod);
  return c && c->value("status", "") == "True";
}

bool is_pod_available(const Json& pod, std::int64_t min_ready_seconds, std::chrono::system_clock::time_point now) {
  const Json* c = ready_condition(pod);
  if (!c || c->value("status", "") != "True") return false;
  if (min_ready_seconds <= 0) return true;
  auto since = object::parse_time(c->value("lastTransitionTime", ""));
  if (!since) return false;
  return *since + std::chrono::seconds(min_ready_seconds) < now;
}

Json pod_from_template(const Json& template_, const std::string& namespace_, const std::string& generate_name_prefix,
                       const Json& controller_ref) {
  Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", Json::object()}};
  auto& meta = pod["metadata"];
  if (template_.contains("metadata") && template_["metadata"].is_object()) {
    const auto& source = template_["metadata"];
    for (const char* field : {"labels", "annotations", "finalizers"})
      if (source.contains(field) && !source[field].is_null()) meta[field] = source[field];
  }
  meta["generateName"] = generate_name_prefix;
  meta["namespace"] = namespace_;
  if (!controller_ref.is_null()) meta["ownerReferences"] = Json::array({controller_ref});
  pod["spec"] = template_.contains("spec") && template_["spec"].is_object() ? template_["spec"] : Json::object();
  return pod;
}

Json PodControl::create_pod(const Json& pod, const Json& owner) {
  try {
    Json created = api_.create(client::resources::kPods, pod);
    events_.event(owner, client::kEventTypeNormal, "SuccessfulCreate", "Created pod: " + object::name_of(created));
    return created;
  } catch (const client::ApiError& e) {
    events_.event(owner, client::kEventTypeWarning, "FailedCreate", std::string("Error creating: ") + e.what());
    throw;
  }
}

void PodControl::delete_pod(const std::string& namespace_, const std::string& name, const Json& owner) {
  try {
    api_.remove(client::resources::kPods, namespace_, name);
    events_.event(owner, client::kEventTypeNormal, "SuccessfulDelete", "Deleted pod: " + name);
  } catch (const client::ApiError& e) {
    if (e.is_not_found()) return;
    events_.event(owner, client::kEventTypeWarning, "FailedDelete", std::string("Error deleting: ") + e.what());
    throw;
  }
}

// ---- expectations --------------------------------------------------------------------------

void Expectations::expect(const std::string& key, int adds, int deletes) {
  std::lock_guard lock(mu_);
  entries_[key] = Entry{adds, deletes, std::chrono::steady_clock::now()};
}

void Expectations::creation_observed(const std::string& key) { lower(key, 1, 0); }

void Expectations::deletion_observed(const std::string& key) { lower(key, 0, 1); }

void Expectations::lower(const std::string& key, int adds, int deletes) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  it->second.adds -= adds;
  it->second.deletes -= deletes;
}

bool Expectations::satisfied(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return true;
  const Entry& e = it->second;
  if (e.adds <= 0 && e.deletes <= 0) return true;
  // An observation was missed (e.g. a watch gap): do not wait for it forever.
  return std::chrono::steady_clock::now() - e.set_at > kExpectationsTimeout;
}

void Expectations::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  entries_.erase(key);
}

// ---- hashing -------------------------------------------------------------------------------

std::string compute_hash(const Json& value, std::optional<std::int32_t> collision_count) {
  constexpr std::uint32_t kOffset = 2166136261u, kPrime = 16777619u;
  std::uint32_t hash = kOffset;
  auto feed = [&hash](unsigned char byte) {
    hash ^= byte;
    hash *= kPrime;
  };
  // nlohmann::json keeps object keys sorted, so dump() is canonical.
  for (unsigned char c : value.dump()) feed(c);
  if (collision_count) {
    // kube appends the count's four little-endian bytes.
    const auto count = static_cast<std::uint32_t>(*collision_count);
    for (int i = 0; i < 4; ++i) feed(static_cast<unsigned char>((count >> (8 * i)) & 0xff));
  }
  // rand.SafeEncodeString over the decimal text of the hash, as kube does.
  const std::string decimal = std::to_string(hash);
  std::string out;
  out.reserve(decimal.size());
  for (unsigned char c : decimal) out += object::kGenerateNameAlphabet[c % object::kGenerateNameAlphabet.size()];
  return out;
}

std::string now_rfc3339() { return object::format_time(object::now()); }

}  // namespace k3s::controllers
