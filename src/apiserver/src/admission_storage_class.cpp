// The DefaultStorageClass admission plugin: a claim that names no class gets the one marked
// storageclass.kubernetes.io/is-default-class (k3s marks local-path so).
#include "admission_plugins.h"
#include "context.h"
#include "object/meta.h"

namespace k3s::apiserver {

namespace {

bool is_default_class(const Json& storage_class) {
  const Json annotations = storage_class.value("metadata", Json::object()).value("annotations", Json::object());
  if (!annotations.is_object()) return false;
  return annotations.value("storageclass.kubernetes.io/is-default-class", "") == "true" ||
         annotations.value("storageclass.beta.kubernetes.io/is-default-class", "") == "true";
}

}  // namespace

void admit_default_storage_class(ApiContext& ctx, const ResourceRequest&, Json& claim) {
  if (!claim.contains("spec") || !claim["spec"].is_object()) return;
  // An explicit "" asks for no class at all; only an absent field is defaulted.
  if (claim["spec"].contains("storageClassName") && !claim["spec"]["storageClassName"].is_null()) return;
  WatchCache* classes = ctx.cache_for("storage.k8s.io", "v1", "storageclasses");
  if (!classes) return;
  CachedPtr chosen;
  for (const auto& item : classes->list(ObjectFilter{}, 0, "").items) {
    if (!is_default_class(item->object)) continue;
    // Several defaults: the newest wins (then the name), as kube does since 1.26.
    if (!chosen) {
      chosen = item;
      continue;
    }
    const auto a = object::creation_timestamp_of(item->object), b = object::creation_timestamp_of(chosen->object);
    if (a > b || (a == b && object::name_of(item->object) < object::name_of(chosen->object))) chosen = item;
  }
  if (chosen) claim["spec"]["storageClassName"] = object::name_of(chosen->object);
}

}  // namespace k3s::apiserver
