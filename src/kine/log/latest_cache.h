// The newest state of recently read or written keys, kept current by the change feed, so a
// point read at the current revision needs no SQL. The cache knows it is up to date to
// applied(): a key with an entry has exactly that state as of applied(); a key without one
// is unknown and read from the table, then remembered only if no event for it can have
// been missed meanwhile. Reads at an older revision never come here.
#pragma once

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kine/store.h"

namespace k3s::kine::log {

class LatestCache {
 public:
  LatestCache(int64_t applied, std::size_t budget_bytes);

  // The feed's events, in revision order, bringing the cache up to `revision`.
  void apply(const std::vector<Event>& events, int64_t revision);

  struct Hit {
    int64_t revision = 0;         // the store revision the state is valid at (>= at_least)
    std::optional<KeyValue> kv;   // nullopt: the key does not exist
  };
  // What a miss must pass back to fill() so a racing event or eviction is noticed.
  struct Ticket {
    int64_t applied = 0;
    uint64_t evictions = 0;
  };

  // The key's state if known and the cache has seen every revision up to at_least.
  std::optional<Hit> find(const std::string& key, int64_t at_least, Ticket& ticket) const;
  // Remembers the key's state read from the table at `as_of` (>= ticket.applied).
  void fill(const std::string& key, const std::optional<KeyValue>& kv, int64_t as_of, const Ticket& ticket);

  int64_t applied() const;
  std::size_t entries() const;

 private:
  struct Entry {
    bool exists = false;
    KeyValue kv;  // key left empty: the map key holds it
  };
  static std::size_t cost(const std::string& key, const Entry& entry);
  void store_locked(const std::string& key, Entry entry);
  void trim_locked();

  std::size_t budget_bytes_;
  mutable std::shared_mutex mutex_;
  int64_t applied_;
  uint64_t evictions_ = 0;
  std::size_t bytes_ = 0;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace k3s::kine::log
