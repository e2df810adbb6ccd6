#include "watch_cache.h"

#include <spdlog/spdlog.h>

#include "defaults.h"
#include "status.h"

namespace k3s::apiserver {

const char* watch_event_type_name(WatchEvent::Type type) {
  switch (type) {
    case WatchEvent::Type::added: return "ADDED";
    case WatchEvent::Type::modified: return "MODIFIED";
    case WatchEvent::Type::deleted: return "DELETED";
    case WatchEvent::Type::bookmark: return "BOOKMARK";
  }
  return "";
}

bool ObjectFilter::matches(const CachedObject& obj) const {
  if (!ns.empty() && obj.ns != ns) return false;
  if (!labels.empty() && !labels.matches(obj.labels)) return false;
  if (!fields.empty() && !fields.matches(obj.fields)) return false;
  return true;
}

static std::string field_text(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return value.dump();
  return "";
}

CachedPtr WatchCache::from_storage(const ResourceType& type, Json object, int64_t revision) {
  // Defaulted like every object kube-apiserver decodes from etcd, so objects stored before a
  // default existed (an older release's data dir) are served as they would be written today.
  set_defaults(type, object);
  return make_cached(type, std::move(object), revision);
}

CachedPtr WatchCache::make_cached(const ResourceType& type, Json object, int64_t revision) {
  auto c = std::make_shared<CachedObject>();
  object["metadata"]["resourceVersion"] = std::to_string(revision);
  const Json& meta = object["metadata"];
  c->ns = meta.value("namespace", "");
  if (meta.contains("labels") && meta["labels"].is_object()) {
    for (auto& [k, v] : meta["labels"].items())
      if (v.is_string()) c->labels[k] = v.get<std::string>();
  }
  c->fields["metadata.name"] = meta.value("name", "");
  if (type.namespaced) c->fields["metadata.namespace"] = c->ns;
  for (const auto& [field, pointer] : type.selectable_fields) {
    Json::json_pointer ptr(pointer);
    c->fields[field] = object.contains(ptr) ? field_text(object.at(ptr)) : "";
  }
  c->revision = revision;
  c->encoded = object.dump();
  c->object = std::move(object);
  return c;
}

WatchCache::WatchCache(kine::Store& store, std::shared_ptr<const ResourceType> type, std::size_t history_size)
    : store_(store), type_(std::move(type)), history_size_(history_size) {}

WatchCache::~WatchCache() { stop(); }

std::string WatchCache::cache_key(const std::string& ns, const std::string& name) const {
  return type_->namespaced ? ns + "/" + name : name;
}

void WatchCache::start() {
  std::unique_lock lock(mu_);
  load_locked();
}

void WatchCache::load_locked() {
  const std::string prefix = type_->storage_prefix + "/";
  auto res = store_.range({.key = prefix, .range_end = kine::prefix_end(prefix)});
  objects_.clear();
  for (const auto& kv : res.kvs) {
    Json obj = Json::parse(kv.value, nullptr, false);
    if (obj.is_discarded() || !obj.is_object()) {
      spdlog::warn("watch cache {}: skipping undecodable object at {}", type_->resource, kv.key);
      continue;
    }
    auto c = from_storage(*type_, std::move(obj), kv.mod_revision);
    objects_[cache_key(c->ns, c->object["metadata"].value("name", ""))] = c;
  }
  revision_ = res.revision;
  history_.clear();
  history_start_ = res.revision;
  kine::WatchRequest wr{.key = prefix, .range_end = kine::prefix_end(prefix), .start_revision = res.revision + 1,
                        .prev_kv = false, .progress_notify = true};
  kine_watch_ = store_.watch(wr, [this](kine::WatchBatch batch) { on_batch(std::move(batch)); });
  needs_restart_ = false;
}

void WatchCache::stop() {
  std::unique_ptr<kine::Watch> w;
  std::vector<std::shared_ptr<CacheWatcher>> watchers;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    w = std::move(kine_watch_);
    watchers.swap(watchers_);
  }
  if (w) w->cancel();
  for (auto& watcher : watchers) {
    watcher->ended = true;
    if (watcher->on_end) watcher->on_end();
  }
  fresh_cv_.notify_all();
}

int64_t WatchCache::revision() const {
  std::lock_guard lock(mu_);
  return revision_;
}

std::size_t WatchCache::watcher_count() const {
  std::lock_guard lock(mu_);
  return watchers_.size();
}

bool WatchCache::wait_until_fresh(int64_t revision, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (revision_ >= revision) return true;
  if (kine_watch_) kine_watch_->request_progress();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (revision_ < revision && !stopped_) {
    if (fresh_cv_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(100))) ==
        std::cv_status::timeout) {
      if (std::chrono::steady_clock::now() >= deadline) break;
      if (kine_watch_) kine_watch_->request_progress();
    }
  }
  return revision_ >= revision;
}

void WatchCache::on_batch(kine::WatchBatch batch) {
  std::unique_lock lock(mu_);
  if (stopped_) return;
  if (batch.canceled || batch.compact_revision != 0) {
    spdlog::warn("watch cache {}: datastore watch ended ({}); reloading", type_->resource,
                 batch.canceled ? batch.cancel_reason : "compacted");
    needs_restart_ = true;
    return;
  }
  for (auto& ev : batch.events) {
    const std::string& key = ev.kv.key;
    const std::string prefix = type_->storage_prefix + "/";
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    std::string rest = key.substr(prefix.size());
    auto found = objects_.find(rest);
    CachedPtr previous = found == objects_.end() ? nullptr : found->second;
    WatchEvent out;
    out.revision = ev.kv.mod_revision;
    out.previous = previous;
    if (ev.type == kine::Event::Type::put) {
      Json obj = Json::parse(ev.kv.value, nullptr, false);
      if (obj.is_discarded() || !obj.is_object()) continue;
      out.object = from_storage(*type_, std::move(obj), ev.kv.mod_revision);
      out.type = previous ? WatchEvent::Type::modified : WatchEvent::Type::added;
      objects_[rest] = out.object;
    } else {
      if (!previous) continue;
      out.type = WatchEvent::Type::deleted;
      out.object = make_cached(*type_, previous->object, ev.kv.mod_revision);
      objects_.erase(found);
    }
    history_.push_back(out);
    while (history_.size() > history_size_) {
      history_start_ = history_.front().revision;
      history_.pop_front();
    }
    dispatch_locked(out);
  }
  if (batch.revision > revision_) revision_ = batch.revision;
  lock.unlock();
  fresh_cv_.notify_all();
}

// Translates an event for one watcher's filter: an object moving out of the selection is
// DELETED for it, one moving in is ADDED.
static std::optional<WatchEvent> for_filter(const WatchEvent& ev, const ObjectFilter& filter) {
  if (ev.type == WatchEvent::Type::bookmark) return ev;
  bool now_matches = ev.type != WatchEvent::Type::deleted && filter.matches(*ev.object);
  bool before_matched = ev.previous && filter.matches(*ev.previous);
  WatchEvent out = ev;
  if (ev.type == WatchEvent::Type::deleted) {
    if (!before_matched) return std::nullopt;
    return out;
  }
  if (now_matches && before_matched) {
    out.type = WatchEvent::Type::modified;
  } else if (now_matches) {
    out.type = WatchEvent::Type::added;
  } else if (before_matched) {
    out.type = WatchEvent::Type::deleted;
  } else {
    return std::nullopt;
  }
  return out;
}

void WatchCache::dispatch_locked(const WatchEvent& event) {
  auto now = std::chrono::steady_clock::now();
  std::erase_if(watchers_, [&](const std::shared_ptr<CacheWatcher>& w) {
    auto translated = for_filter(event, w->filter);
    if (!translated) return false;
    w->last_sent = now;
    if (w->sink(*translated)) return false;
    w->ended = true;
    return true;
  });
}

WatchCache::ListResult WatchCache::list(const ObjectFilter& filter, int64_t limit, const std::string& start_after) const {
  std::lock_guard lock(mu_);
  ListResult out;
  out.revision = revision_;
  auto it = objects_.begin();
  std::string scope = type_->namespaced && !filter.ns.empty() ? filter.ns + "/" : "";
  if (!start_after.empty())
    it = objects_.upper_bound(start_after);
  else if (!scope.empty())
    it = objects_.lower_bound(scope);
  for (; it != objects_.end(); ++it) {
    if (!scope.empty() && it->first.compare(0, scope.size(), scope) != 0) break;
    if (!filter.matches(*it->second)) continue;
    if (limit > 0 && static_cast<int64_t>(out.items.size()) >= limit) {
      out.next_key = out.items.empty() ? "" : std::prev(it)->first;
      // kube reports remainingItemCount only for unfiltered lists.
      for (auto rest = it; rest != objects_.end(); ++rest) {
        if (!scope.empty() && rest->first.compare(0, scope.size(), scope) != 0) break;
        if (filter.matches(*rest->second)) ++out.remaining;
      }
      break;
    }
    out.items.push_back(it->second);
  }
  if (limit > 0 && out.remaining > 0 && !out.items.empty()) {
    // next_key must be the key of the last returned item.
    const auto& last = out.items.back();
    out.next_key = cache_key(last->ns, last->object["metadata"].value("name", ""));
  }
  return out;
}

CachedPtr WatchCache::get(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find(cache_key(ns, name));
  return it == objects_.end() ? nullptr : it->second;
}

std::shared_ptr<CacheWatcher> WatchCache::watch(WatchOptions options, WatchSink sink) {
  std::lock_guard lock(mu_);
  if (stopped_) throw service_unavailable("the watch cache is stopped");
  auto w = std::make_shared<CacheWatcher>();
  w->filter = std::move(options.filter);
  w->sink = std::move(sink);
  w->bookmarks = options.bookmarks;
  w->deadline = options.deadline;
  w->on_end = std::move(options.on_end);
  int64_t from = options.from_revision;
  if (from == 0) {
    for (const auto& [key, obj] : objects_) {
      if (!w->filter.matches(*obj)) continue;
      WatchEvent ev{WatchEvent::Type::added, obj, nullptr, obj->revision};
      if (!w->sink(ev)) return w;
    }
  } else {
    if (from < history_start_) {
      throw gone("too old resource version: " + std::to_string(from) + " (" + std::to_string(history_start_ + 1) + ")");
    }
    for (const auto& ev : history_) {
      if (ev.revision <= from) continue;
      auto translated = for_filter(ev, w->filter);
      if (translated && !w->sink(*translated)) return w;
    }
  }
  watchers_.push_back(w);
  return w;
}

void WatchCache::unwatch(const std::shared_ptr<CacheWatcher>& watcher) {
  std::lock_guard lock(mu_);
  std::erase(watchers_, watcher);
}

void WatchCache::tick(std::chrono::steady_clock::time_point now, std::chrono::seconds bookmark_interval) {
  std::vector<std::shared_ptr<CacheWatcher>> ended;
  std::unique_ptr<kine::Watch> old_watch;
  {
    std::unique_lock lock(mu_);
    if (stopped_) return;
    if (needs_restart_) {
      // Every watcher may have missed events: end them so clients re-list, then reload.
      ended.swap(watchers_);
      old_watch = std::move(kine_watch_);
      try {
        load_locked();
      } catch (const std::exception& e) {
        spdlog::error("watch cache {}: reload failed: {}", type_->resource, e.what());
        needs_restart_ = true;
      }
    }
    std::erase_if(watchers_, [&](const std::shared_ptr<CacheWatcher>& w) {
      if (w->deadline && now >= *w->deadline) {
        ended.push_back(w);
        return true;
      }
      if (w->bookmarks && now - w->last_sent >= bookmark_interval) {
        w->last_sent = now;
        auto c = std::make_shared<CachedObject>();
        c->object = {{"kind", type_->kind},
                     {"apiVersion", type_->api_version()},
                     {"metadata", {{"resourceVersion", std::to_string(revision_)}}}};
        c->encoded = c->object.dump();
        c->revision = revision_;
        if (!w->sink(WatchEvent{WatchEvent::Type::bookmark, c, nullptr, revision_})) {
          w->ended = true;
          return true;
        }
      }
      return false;
    });
  }
  if (old_watch) old_watch->cancel();
  for (auto& w : ended) {
    w->ended = true;
    if (w->on_end) w->on_end();
  }
}

}  // namespace k3s::apiserver
