#include "log/latest_cache.h"

#include <mutex>

namespace k3s::kine::log {
namespace {

// Rough per-entry overhead of the hash node and strings, so many tiny keys still count.
constexpr std::size_t kEntryOverhead = 96;

}  // namespace

LatestCache::LatestCache(int64_t applied, std::size_t budget_bytes) : budget_bytes_(budget_bytes), applied_(applied) {}

std::size_t LatestCache::cost(const std::string& key, const Entry& entry) {
  return kEntryOverhead + key.size() + entry.kv.value.size();
}

void LatestCache::store_locked(const std::string& key, Entry entry) {
  auto [it, inserted] = entries_.try_emplace(key);
  if (!inserted) bytes_ -= cost(it->first, it->second);
  it->second = std::move(entry);
  bytes_ += cost(it->first, it->second);
}

void LatestCache::trim_locked() {
  if (bytes_ <= budget_bytes_) return;
  // Any victim will do: an evicted key is simply read from the table again.
  std::size_t target = budget_bytes_ - budget_bytes_ / 4;
  while (bytes_ > target && !entries_.empty()) {
    auto it = entries_.begin();
    bytes_ -= cost(it->first, it->second);
    entries_.erase(it);
  }
  ++evictions_;
}

void LatestCache::apply(const std::vector<Event>& events, int64_t revision) {
  std::unique_lock lock(mutex_);
  for (const auto& event : events) {
    Entry entry;
    if (event.type == Event::Type::put) {
      entry.exists = true;
      entry.kv = event.kv;
      entry.kv.key.clear();
    }
    // Every event's key gets an entry (a deletion too): fill() relies on it.
    store_locked(event.kv.key, std::move(entry));
  }
  if (revision > applied_) applied_ = revision;
  trim_locked();
}

std::optional<LatestCache::Hit> LatestCache::find(const std::string& key, int64_t at_least, Ticket& ticket) const {
  std::shared_lock lock(mutex_);
  ticket.applied = applied_;
  ticket.evictions = evictions_;
  if (applied_ < at_least) return std::nullopt;
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  Hit hit;
  hit.revision = applied_;
  if (it->second.exists) {
    hit.kv = it->second.kv;
    hit.kv->key = key;
  }
  return hit;
}

void LatestCache::fill(const std::string& key, const std::optional<KeyValue>& kv, int64_t as_of, const Ticket& ticket) {
  std::unique_lock lock(mutex_);
  // An event for the key after the read would have left an entry, unless it was evicted
  // since; events up to as_of not applied yet could still overwrite with older state.
  if (as_of < ticket.applied || as_of > applied_ || evictions_ != ticket.evictions) return;
  if (entries_.count(key)) return;
  Entry entry;
  if (kv) {
    entry.exists = true;
    entry.kv = *kv;
    entry.kv.key.clear();
  }
  store_locked(key, std::move(entry));
  trim_locked();
}

int64_t LatestCache::applied() const {
  std::shared_lock lock(mutex_);
  return applied_;
}

std::size_t LatestCache::entries() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

}  // namespace k3s::kine::log
