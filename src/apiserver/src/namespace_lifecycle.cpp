#include "namespace_lifecycle.h"

#include <spdlog/spdlog.h>

#include "object/meta.h"

namespace k3s::apiserver {

namespace {

// Deletes or marks what is left in `ns`; returns true when nothing remains.
bool empty_namespace(ApiContext& ctx, const std::string& ns) {
  bool empty = true;
  for (const auto& type : ctx.registry.storage_types()) {
    if (!type->namespaced) continue;
    WatchCache* cache = ctx.cache_for(*type);
    if (!cache) continue;
    ObjectFilter in_ns;
    in_ns.ns = ns;
    for (const auto& item : cache->list(in_ns, 0, "").items) {
      empty = false;
      const std::string name = object::name_of(item->object);
      try {
        if (object::finalizers_of(item->object).empty()) {
          ctx.storage.remove(*type, ns, name, nullptr, false);
        } else if (!object::is_being_deleted(item->object)) {
          ctx.storage.update(*type, ns, name, [](const Json& current) -> std::optional<Json> {
            if (object::is_being_deleted(current)) return std::nullopt;
            Json next = current;
            object::set_deletion_timestamp(next, object::now());
            next["metadata"]["deletionGracePeriodSeconds"] = 0;
            return next;
          }, false);
        }
      } catch (const ApiError& e) {
        if (e.code() != 404) spdlog::warn("namespace {}: deleting {} {}: {}", ns, type->resource, name, e.what());
      }
    }
  }
  return empty;
}

}  // namespace

void finalize_terminating_namespaces(ApiContext& ctx) {
  auto ns_type = ctx.registry.find("", "v1", "namespaces");
  WatchCache* namespaces = ns_type ? ctx.cache_for(*ns_type) : nullptr;
  if (!namespaces) return;
  for (const auto& item : namespaces->list({}, 0, "").items) {
    if (!object::is_being_deleted(item->object)) continue;
    const std::string name = object::name_of(item->object);
    try {
      if (!empty_namespace(ctx, name)) continue;
      auto result = ctx.storage.update(*ns_type, "", name, [](const Json& current) -> std::optional<Json> {
        Json next = current;
        Json& finalizers = next["spec"]["finalizers"];
        if (!finalizers.is_array()) return std::nullopt;
        Json kept = Json::array();
        for (const auto& f : finalizers)
          if (f != "kubernetes") kept.push_back(f);
        if (kept.size() == finalizers.size()) return std::nullopt;
        finalizers = kept;
        return next;
      }, false);
      const Json& obj = result.object;
      bool spec_done = obj.value("spec", Json::object()).value("finalizers", Json::array()).empty();
      if (spec_done && object::finalizers_of(obj).empty()) {
        ctx.storage.remove(*ns_type, "", name, nullptr, false);
        spdlog::info("namespace {} deleted", name);
      }
    } catch (const ApiError& e) {
      if (e.code() != 404) spdlog::warn("namespace {}: finalizing: {}", name, e.what());
    } catch (const std::exception& e) {
      spdlog::warn("namespace {}: finalizing: {}", name, e.what());
    }
  }
}

}  // namespace k3s::apiserver
