// One watch cache per stored resource: a single kine watch keeps an in-memory copy of every
// object plus a window of recent events. Lists and watches are served from it, never by
// re-reading the datastore per request (kube-apiserver's cacher, in small).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kine/store.h"
#include "object/fields.h"
#include "object/labels.h"
#include "registry.h"

namespace k3s::apiserver {

using Json = nlohmann::json;

// An object as the cache keeps it: parsed, encoded once, with what selectors look at.
struct CachedObject {
  Json object;
  std::string encoded;  // object.dump(), shared by every list and watch frame
  object::labels::Set labels;
  object::fields::Set fields;
  std::string ns;
  int64_t revision = 0;
};
using CachedPtr = std::shared_ptr<const CachedObject>;

struct WatchEvent {
  enum class Type { added, modified, deleted, bookmark };
  Type type = Type::added;
  CachedPtr object;  // for deleted: the last state, with the deletion's resourceVersion
  CachedPtr previous;  // for modified/deleted: the state before
  int64_t revision = 0;
};
const char* watch_event_type_name(WatchEvent::Type type);

struct ObjectFilter {
  std::string ns;  // "" = every namespace
  object::labels::Selector labels;
  object::fields::Selector fields;
  bool matches(const CachedObject& obj) const;
};

// Receives the events of one watch; must not block. Returns false to end the watch.
using WatchSink = std::function<bool(const WatchEvent&)>;

class CacheWatcher;

class WatchCache {
 public:
  WatchCache(kine::Store& store, std::shared_ptr<const ResourceType> type, std::size_t history_size = 10000);
  ~WatchCache();
  WatchCache(const WatchCache&) = delete;
  WatchCache& operator=(const WatchCache&) = delete;

  void start();  // initial list and kine watch; throws kine::StoreError when the datastore fails
  void stop();

  int64_t revision() const;
  // Blocks until the cache has seen `revision` (asking kine for progress notifications).
  bool wait_until_fresh(int64_t revision, std::chrono::milliseconds timeout);

  struct ListResult {
    std::vector<CachedPtr> items;
    int64_t revision = 0;
    std::string next_key;  // for limit: key after which the next page starts, "" when done
    int64_t remaining = 0;
  };
  // Objects in key order after `start_after` ("" = from the beginning), up to `limit` (0 = all).
  ListResult list(const ObjectFilter& filter, int64_t limit, const std::string& start_after) const;
  CachedPtr get(const std::string& ns, const std::string& name) const;

  // Starts a watch. from_revision 0 sends the current objects as ADDED first. Throws
  // ApiError 410 when from_revision is older than the event window.
  struct WatchOptions {
    ObjectFilter filter;
    int64_t from_revision = 0;
    bool bookmarks = false;
    std::optional<std::chrono::steady_clock::time_point> deadline;
    std::function<void()> on_end;  // the cache ended the watch (deadline reached, cache restarted)
  };
  std::shared_ptr<CacheWatcher> watch(WatchOptions options, WatchSink sink);
  void unwatch(const std::shared_ptr<CacheWatcher>& watcher);

  // Bookmarks and watch deadlines; called periodically.
  void tick(std::chrono::steady_clock::time_point now, std::chrono::seconds bookmark_interval);

  const ResourceType& type() const { return *type_; }
  std::size_t watcher_count() const;

  static CachedPtr make_cached(const ResourceType& type, Json object, int64_t revision);
  // make_cached for a value read from the datastore: applies the type's defaults first.
  static CachedPtr from_storage(const ResourceType& type, Json object, int64_t revision);

 private:
  void on_batch(kine::WatchBatch batch);
  void restart_locked(std::unique_lock<std::mutex>& lock);
  void load_locked();
  void dispatch_locked(const WatchEvent& event);
  std::string cache_key(const std::string& ns, const std::string& name) const;

  kine::Store& store_;
  std::shared_ptr<const ResourceType> type_;
  std::size_t history_size_;
  mutable std::mutex mu_;
  std::condition_variable fresh_cv_;
  std::map<std::string, CachedPtr> objects_;  // "<ns>/<name>" or "<name>"
  std::deque<WatchEvent> history_;
  int64_t history_start_ = 0;  // events after this revision are all in history_
  int64_t revision_ = 0;
  std::vector<std::shared_ptr<CacheWatcher>> watchers_;
  std::unique_ptr<kine::Watch> kine_watch_;
  bool stopped_ = false;
  bool needs_restart_ = false;
};

class CacheWatcher {
 public:
  ObjectFilter filter;
  WatchSink sink;
  bool bookmarks = false;
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::chrono::steady_clock::time_point last_sent = std::chrono::steady_clock::now();
  std::function<void()> on_end;  // the watch ended from the cache side (deadline, restart)
  bool ended = false;
};

}  // namespace k3s::apiserver
