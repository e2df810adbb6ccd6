#include "storage.h"

#include <chrono>

#include "defaults.h"
#include "status.h"

namespace k3s::apiserver {

namespace {

constexpr int kMaxUpdateAttempts = 32;

void set_rv(Json& obj, int64_t revision) { obj["metadata"]["resourceVersion"] = std::to_string(revision); }

std::string encode(Json object) {
  // resourceVersion lives in the key's revision, never in the value.
  if (object.contains("metadata") && object["metadata"].is_object()) object["metadata"].erase("resourceVersion");
  return object.dump();
}

}  // namespace

void drop_empty_metadata_collections(Json& object) {
  if (!object.contains("metadata") || !object["metadata"].is_object()) return;
  Json& meta = object["metadata"];
  for (const char* field : {"labels", "annotations", "finalizers", "ownerReferences", "managedFields"}) {
    auto it = meta.find(field);
    if (it != meta.end() && (it->is_null() || ((it->is_array() || it->is_object()) && it->empty()))) meta.erase(it);
  }
}

namespace {

// Observes the time to the end of the scope into the latency histogram, if any.
class LatencyTimer {
 public:
  LatencyTimer(metrics::Histogram* histogram, const char* operation, const ResourceType& type)
      : histogram_(histogram), operation_(operation), type_(type), start_(std::chrono::steady_clock::now()) {}
  ~LatencyTimer() {
    if (!histogram_) return;
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    histogram_->observe({operation_, type_.resource}, elapsed.count());
  }

 private:
  metrics::Histogram* histogram_;
  const char* operation_;
  const ResourceType& type_;
  std::chrono::steady_clock::time_point start_;
};

ApiError store_failure(const kine::StoreError& e) {
  if (e.code() == kine::Errc::too_large) return too_large("etcdserver: request is too large");
  if (e.code() == kine::Errc::unavailable) return service_unavailable("storage is unavailable: " + std::string(e.what()));
  return internal_error(e.what());
}

}  // namespace

std::string Storage::prefix(const ResourceType& type, const std::string& ns) {
  return type.storage_prefix + "/" + (type.namespaced && !ns.empty() ? ns + "/" : "");
}

std::string Storage::key(const ResourceType& type, const std::string& ns, const std::string& name) {
  return type.namespaced ? type.storage_prefix + "/" + ns + "/" + name : type.storage_prefix + "/" + name;
}

Json Storage::decode(const ResourceType& type, const std::string& value, int64_t mod_revision) {
  Json obj = Json::parse(value, nullptr, false);
  if (obj.is_discarded() || !obj.is_object()) throw internal_error("stored object is not valid JSON");
  set_defaults(type, obj);
  set_rv(obj, mod_revision);
  return obj;
}

Json Storage::create(const ResourceType& type, Json object, bool dry_run) {
  const std::string name = object["metadata"].value("name", "");
  const std::string ns = object["metadata"].value("namespace", "");
  const std::string k = key(type, ns, name);
  drop_empty_metadata_collections(object);
  LatencyTimer timer(latency_, "create", type);
  try {
    if (dry_run) {
      auto existing = store_.range({.key = k});
      if (!existing.kvs.empty()) throw already_exists(type.group, type.resource, name);
      set_rv(object, 0);
      object["metadata"].erase("resourceVersion");
      return object;
    }
    kine::TxnRequest txn;
    txn.compare.push_back({.key = k, .target = kine::Compare::Target::create_revision,
                           .result = kine::Compare::Result::equal, .number = 0});
    txn.success.emplace_back(kine::PutRequest{.key = k, .value = encode(object)});
    auto res = store_.txn(txn);
    if (!res.succeeded) throw already_exists(type.group, type.resource, name);
    set_rv(object, res.revision);
    return object;
  } catch (const kine::StoreError& e) {
    throw store_failure(e);
  }
}

std::optional<Json> Storage::get(const ResourceType& type, const std::string& ns, const std::string& name) {
  LatencyTimer timer(latency_, "get", type);
  try {
    auto res = store_.range({.key = key(type, ns, name)});
    if (res.kvs.empty()) return std::nullopt;
    return decode(type, res.kvs.front().value, res.kvs.front().mod_revision);
  } catch (const kine::StoreError& e) {
    throw store_failure(e);
  }
}

Storage::UpdateResult Storage::update(const ResourceType& type, const std::string& ns, const std::string& name,
                                      const std::function<std::optional<Json>(const Json&)>& mutate, bool dry_run) {
  const std::string k = key(type, ns, name);
  LatencyTimer timer(latency_, "update", type);
  try {
    for (int attempt = 0; attempt < kMaxUpdateAttempts; ++attempt) {
      auto current = store_.range({.key = k});
      if (current.kvs.empty()) throw not_found(type.group, type.resource, name);
      const auto& kv = current.kvs.front();
      Json existing = decode(type, kv.value, kv.mod_revision);
      auto next = mutate(existing);
      if (!next) return {existing, false};
      drop_empty_metadata_collections(*next);
      if (dry_run) {
        set_rv(*next, kv.mod_revision);
        return {*next, true};
      }
      kine::TxnRequest txn;
      txn.compare.push_back({.key = k, .target = kine::Compare::Target::mod_revision,
                             .result = kine::Compare::Result::equal, .number = kv.mod_revision});
      txn.success.emplace_back(kine::PutRequest{.key = k, .value = encode(*next)});
      auto res = store_.txn(txn);
      if (res.succeeded) {
        set_rv(*next, res.revision);
        return {*next, true};
      }
    }
  } catch (const kine::StoreError& e) {
    throw store_failure(e);
  }
  throw conflict(type.group, type.resource, name, "the object is being modified too often; please retry");
}

Json Storage::remove(const ResourceType& type, const std::string& ns, const std::string& name,
                     const std::function<void(const Json&)>& precondition, bool dry_run) {
  const std::string k = key(type, ns, name);
  LatencyTimer timer(latency_, "delete", type);
  try {
    for (int attempt = 0; attempt < kMaxUpdateAttempts; ++attempt) {
      auto current = store_.range({.key = k});
      if (current.kvs.empty()) throw not_found(type.group, type.resource, name);
      const auto& kv = current.kvs.front();
      Json existing = decode(type, kv.value, kv.mod_revision);
      if (precondition) precondition(existing);
      if (dry_run) return existing;
      kine::TxnRequest txn;
      txn.compare.push_back({.key = k, .target = kine::Compare::Target::mod_revision,
                             .result = kine::Compare::Result::equal, .number = kv.mod_revision});
      txn.success.emplace_back(kine::DeleteRangeRequest{.key = k});
      auto res = store_.txn(txn);
      if (res.succeeded) {
        set_rv(existing, res.revision);
        return existing;
      }
    }
  } catch (const kine::StoreError& e) {
    throw store_failure(e);
  }
  throw conflict(type.group, type.resource, name, "the object is being modified too often; please retry");
}

}  // namespace k3s::apiserver
