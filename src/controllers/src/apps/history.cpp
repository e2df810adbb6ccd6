#include "apps/history.h"

#include <algorithm>

#include "apps/apps_util.h"
#include "controller_utils.h"
#include "object/meta.h"

namespace k3s::controllers::apps {

namespace {
const client::GroupVersionResource& kRevisions = client::resources::kControllerRevisions;

std::int64_t revision_number(const Json& revision) { return revision.value("revision", std::int64_t{0}); }

const client::GroupVersionResource& owner_resource(const std::string& kind) {
  return kind == "StatefulSet" ? client::resources::kStatefulSets : client::resources::kDaemonSets;
}
}  // namespace

Json revision_data(const Json& owner) {
  Json tmpl = owner.value("spec", Json::object()).value("template", Json::object());
  tmpl["$patch"] = "replace";
  return Json{{"spec", {{"template", tmpl}}}};
}

Json template_of_revision(const Json& revision) {
  Json tmpl = revision.value("data", Json::object()).value("spec", Json::object()).value("template", Json::object());
  tmpl.erase("$patch");
  return tmpl;
}

Revisions sync_revisions(client::Client& api, const client::SharedInformer& informer, const Json& owner,
                         const std::string& kind) {
  const auto selector = selector_of(owner);
  std::vector<Json> owned;
  for (const auto& cached : in_namespace(informer, object::namespace_of(owner))) {
    if (is_controlled_by(*cached, owner)) {
      owned.push_back(*cached);
    } else if (!controller_ref_of(*cached) && selector.matches(labels_set(*cached)) &&
               !object::is_being_deleted(owner)) {
      adopt(api, kRevisions, *cached, owner, "apps/v1", kind);
      owned.push_back(*cached);
    }
  }
  std::stable_sort(owned.begin(), owned.end(),
                   [](const Json& a, const Json& b) { return revision_number(a) < revision_number(b); });
  const Json data = revision_data(owner);
  const std::int64_t next_number = owned.empty() ? 1 : revision_number(owned.back()) + 1;

  Revisions out;
  // The newest revision with this template wins; an older one is renumbered to the top.
  for (auto it = owned.rbegin(); it != owned.rend(); ++it) {
    if (it->value("data", Json()) != data) continue;
    if (&*it != &owned.back()) {
      Json renumbered = *it;
      renumbered["revision"] = next_number;
      *it = api.update(kRevisions, renumbered);
      std::stable_sort(owned.begin(), owned.end(),
                       [](const Json& a, const Json& b) { return revision_number(a) < revision_number(b); });
    }
    out.current = owned.back();
    out.all = std::move(owned);
    return out;
  }

  std::optional<std::int32_t> collisions;
  Json::json_pointer collision_pointer("/status/collisionCount");
  if (owner.contains(collision_pointer) && owner.at(collision_pointer).is_number_integer())
    collisions = owner.at(collision_pointer).get<std::int32_t>();
  const std::string hash = compute_hash(data, collisions);
  Json labels = owner.value("spec", Json::object()).value("template", Json::object()).value("metadata", Json::object())
                    .value("labels", Json::object());
  labels[kControllerRevisionHashLabel] = hash;
  Json revision = {{"apiVersion", "apps/v1"},
                   {"kind", "ControllerRevision"},
                   {"metadata",
                    {{"name", object::name_of(owner) + "-" + hash},
                     {"namespace", object::namespace_of(owner)},
                     {"labels", labels},
                     {"ownerReferences", Json::array({make_controller_ref(owner, "apps/v1", kind)})}}},
                   {"data", data},
                   {"revision", next_number}};
  try {
    out.current = api.create(kRevisions, revision);
  } catch (const client::ApiError& e) {
    if (!e.is_already_exists()) throw;
    Json existing = api.get(kRevisions, object::namespace_of(owner), object::name_of(revision));
    if (!is_controlled_by(existing, owner) || existing.value("data", Json()) != data) {
      Json status = owner.value("status", Json::object());
      status["collisionCount"] = collisions.value_or(0) + 1;
      write_status(api, owner_resource(kind), owner, status);
      throw std::runtime_error("hash collision for controller revision " + object::name_of(revision));
    }
    out.current = existing;  // created by an earlier sync the cache has not shown yet
  }
  owned.push_back(out.current);
  out.all = std::move(owned);
  return out;
}

void trim_history(client::Client& api, const Revisions& revisions, const Json& owner,
                  const std::vector<std::string>& in_use) {
  const std::int64_t limit = int_at(owner, "/spec/revisionHistoryLimit", 10);
  std::vector<const Json*> removable;
  for (const auto& r : revisions.all) {
    if (object::uid_of(r) == object::uid_of(revisions.current)) continue;
    const std::string name = object::name_of(r);
    const std::string hash = object::label(r, kControllerRevisionHashLabel).value_or("");
    if (std::find(in_use.begin(), in_use.end(), name) != in_use.end() ||
        (!hash.empty() && std::find(in_use.begin(), in_use.end(), hash) != in_use.end()))
      continue;
    removable.push_back(&r);
  }
  const std::int64_t excess = static_cast<std::int64_t>(removable.size()) - limit;
  for (std::int64_t i = 0; i < excess; ++i) {  // `all` is oldest first
    try {
      api.remove(kRevisions, object::namespace_of(*removable[i]), object::name_of(*removable[i]));
    } catch (const client::ApiError& e) {
      if (!e.is_not_found()) throw;
    }
  }
}

}  // namespace k3s::controllers::apps
