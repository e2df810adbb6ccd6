// Shared informers: a local, indexed cache of one resource kept current by list-then-watch,
// with event handlers, shared by every controller that needs the resource.
//
// The reflector lists (paginated), then watches from the list's resourceVersion with
// bookmarks; a 410 Gone (expired resourceVersion) makes it relist, and a broken connection
// or a server restart makes it re-watch with exponential backoff (relisting when the old
// resourceVersion is gone). Handlers run on one dispatcher thread per informer, in event
// order; a relist delivers adds/updates for what changed and tombstone deletes
// (final_state_unknown) for what disappeared meanwhile. A periodic resync re-delivers every
// cached object as an update(obj, obj).
#pragma once

#include <atomic>
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
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "client/client.h"

namespace k3s::client {

using ObjectPtr = std::shared_ptr<const Json>;

// The cache key: "namespace/name", or "name" for cluster-scoped objects.
std::string object_key(const Json& object);
std::pair<std::string, std::string> split_object_key(const std::string& key);  // {namespace, name}

// ---- the indexed store ------------------------------------------------------------------

// Returns the index values an object files under (none: not indexed).
using IndexFunc = std::function<std::vector<std::string>(const Json&)>;

inline constexpr const char* kNamespaceIndex = "namespace";
IndexFunc index_by_namespace();
// By the string at a dotted path, e.g. "spec.nodeName" (empty values are not indexed).
IndexFunc index_by_field(const std::string& dotted_path);
// By every metadata.ownerReferences[].uid.
IndexFunc index_by_owner_uid();

class Indexer {
 public:
  Indexer();
  // Adding an index later indexes what is already stored.
  void add_index(const std::string& name, IndexFunc fn);

  ObjectPtr get(const std::string& key) const;  // nullptr when absent
  ObjectPtr get(const std::string& namespace_, const std::string& name) const;
  std::vector<ObjectPtr> list() const;
  std::vector<std::string> keys() const;
  std::vector<ObjectPtr> by_index(const std::string& index, const std::string& value) const;
  std::vector<std::string> keys_by_index(const std::string& index, const std::string& value) const;
  std::size_t size() const;

  // Mutations (the informer's): return the previous object, if any.
  ObjectPtr upsert(const std::string& key, ObjectPtr object);
  ObjectPtr remove(const std::string& key);

 private:
  void index_locked(const std::string& key, const Json& object);
  void unindex_locked(const std::string& key, const Json& object);

  mutable std::mutex mu_;
  std::unordered_map<std::string, ObjectPtr> items_;
  std::map<std::string, IndexFunc> index_funcs_;
  // index name -> value -> keys
  std::map<std::string, std::unordered_map<std::string, std::unordered_set<std::string>>> indices_;
};

// ---- event handlers ---------------------------------------------------------------------

struct DeletedObject {
  std::string key;
  ObjectPtr object;                  // the last state the informer knew
  bool final_state_unknown = false;  // a tombstone: deleted while the watch was down
};

struct EventHandlers {
  std::function<void(const ObjectPtr&)> on_add;
  std::function<void(const ObjectPtr& old_object, const ObjectPtr& new_object)> on_update;
  std::function<void(const DeletedObject&)> on_delete;
};

struct InformerOptions {
  std::string namespace_;  // empty: all namespaces
  std::string label_selector;
  std::string field_selector;
  std::chrono::milliseconds resync_period{0};  // default for handlers; 0 = never
  std::int64_t page_size = 500;
  std::chrono::milliseconds initial_backoff{800};
  std::chrono::milliseconds max_backoff{30000};
};

class SharedInformer {
 public:
  SharedInformer(Client& client, GroupVersionResource resource, InformerOptions options = {});
  ~SharedInformer();  // stops
  SharedInformer(const SharedInformer&) = delete;
  SharedInformer& operator=(const SharedInformer&) = delete;

  // May be called before or after start(); a handler added later first receives an add
  // for every object already cached. resync 0 uses options.resync_period.
  void add_event_handler(EventHandlers handlers, std::chrono::milliseconds resync = std::chrono::milliseconds(0));
  void add_index(const std::string& name, IndexFunc fn) { indexer_.add_index(name, std::move(fn)); }
  const Indexer& indexer() const { return indexer_; }

  void start();  // idempotent
  void stop();   // idempotent; joins the threads
  // True once the first list is in the cache.
  bool has_synced() const { return synced_; }
  // Waits for has_synced() (false on timeout or stop).
  bool wait_for_sync(std::chrono::milliseconds timeout) const;
  std::string last_sync_resource_version() const;
  const GroupVersionResource& resource() const { return resource_; }
  // How many times the reflector listed (diagnostics and tests).
  std::uint64_t list_count() const { return list_count_; }

 private:
  struct Notification {
    enum class Kind { add, update, remove, resync_due } kind;
    ObjectPtr old_object, new_object;
    DeletedObject deleted;
    std::uint64_t sequence = 0;
    std::uint64_t only_handler = 0;  // 0: every handler registered before `sequence`
  };
  struct Handler {
    std::uint64_t id;
    std::uint64_t registered_at;
    EventHandlers handlers;
    std::chrono::milliseconds resync;
    std::chrono::steady_clock::time_point next_resync;
  };

  void reflect_loop();
  void list_and_watch(bool& need_list);
  std::string list_into_store();
  void apply_event(WatchEvent&& event);
  void enqueue_locked(Notification n);
  void dispatch_loop();
  void deliver(const Handler& handler, const Notification& n);
  bool sleep_for(std::chrono::milliseconds duration);  // false when stopped

  Client& client_;
  GroupVersionResource resource_;
  InformerOptions options_;
  Indexer indexer_;

  mutable std::mutex mu_;  // guards notifications, handlers, rv, and orders store writes with them
  mutable std::condition_variable cv_;
  std::deque<Notification> notifications_;
  std::vector<Handler> handlers_;
  std::uint64_t next_sequence_ = 1;
  std::uint64_t next_handler_id_ = 1;
  std::string resource_version_;
  std::string list_kind_, list_api_version_;

  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> synced_{false};
  std::atomic<std::uint64_t> list_count_{0};
  std::mutex watch_mu_;
  Watch* current_watch_ = nullptr;
  std::thread reflector_, dispatcher_;
};

// One informer per resource (and selector set), shared by every controller.
class SharedInformerFactory {
 public:
  explicit SharedInformerFactory(Client& client, std::chrono::milliseconds default_resync = std::chrono::milliseconds(0),
                                 std::string namespace_ = {});
  ~SharedInformerFactory();

  // The same instance for the same resource and options.
  std::shared_ptr<SharedInformer> informer_for(const GroupVersionResource& resource,
                                               const std::string& label_selector = {},
                                               const std::string& field_selector = {});
  // Starts every informer not yet started (call again after requesting more).
  void start();
  // Waits until every started informer has synced.
  bool wait_for_cache_sync(std::chrono::milliseconds timeout);
  void shutdown();

 private:
  Client& client_;
  std::chrono::milliseconds default_resync_;
  std::string namespace_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<SharedInformer>> informers_;
  bool started_ = false;
};

}  // namespace k3s::client
