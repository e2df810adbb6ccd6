#include "client/informer.h"

#include <random>

#include <spdlog/spdlog.h>

#include "object/meta.h"
#include "util/random.h"

namespace k3s::client {
namespace {

// Watches end server-side after a random 5-10 minutes, as client-go asks, so load spreads.
std::int64_t random_watch_timeout_seconds() {
  return std::uniform_int_distribution<std::int64_t>(300, 600)(util::thread_random_engine());
}

std::chrono::milliseconds jittered(std::chrono::milliseconds base) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(
      base.count() * std::uniform_real_distribution<double>(1.0, 1.5)(util::thread_random_engine())));
}

}  // namespace

std::string object_key(const Json& object) {
  const std::string ns = object::namespace_of(object);
  return ns.empty() ? object::name_of(object) : ns + "/" + object::name_of(object);
}

std::pair<std::string, std::string> split_object_key(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

IndexFunc index_by_namespace() {
  return [](const Json& o) {
    std::string ns = object::namespace_of(o);
    return ns.empty() ? std::vector<std::string>{} : std::vector<std::string>{ns};
  };
}

IndexFunc index_by_field(const std::string& dotted_path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= dotted_path.size()) {
    auto dot = dotted_path.find('.', start);
    parts.push_back(dotted_path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return [parts](const Json& o) -> std::vector<std::string> {
    const Json* at = &o;
    for (const auto& p : parts) {
      if (!at->is_object()) return {};
      auto it = at->find(p);
      if (it == at->end()) return {};
      at = &*it;
    }
    if (!at->is_string() || at->get<std::string>().empty()) return {};
    return {at->get<std::string>()};
  };
}

IndexFunc index_by_owner_uid() {
  return [](const Json& o) {
    std::vector<std::string> out;
    for (const auto& ref : object::owner_references_of(o))
      if (!ref.uid.empty()) out.push_back(ref.uid);
    return out;
  };
}

// ---- Indexer -------------------------------------------------------------------------------

Indexer::Indexer() { index_funcs_[kNamespaceIndex] = index_by_namespace(); }

void Indexer::add_index(const std::string& name, IndexFunc fn) {
  std::lock_guard lock(mu_);
  if (index_funcs_.count(name)) {
    for (const auto& [key, object] : items_) unindex_locked(key, *object);
  }
  index_funcs_[name] = std::move(fn);
  indices_.erase(name);
  for (const auto& [key, object] : items_) {
    for (const auto& value : index_funcs_[name](*object)) indices_[name][value].insert(key);
  }
}

void Indexer::index_locked(const std::string& key, const Json& object) {
  for (const auto& [name, fn] : index_funcs_)
    for (const auto& value : fn(object)) indices_[name][value].insert(key);
}

void Indexer::unindex_locked(const std::string& key, const Json& object) {
  for (const auto& [name, fn] : index_funcs_) {
    auto& index = indices_[name];
    for (const auto& value : fn(object)) {
      auto it = index.find(value);
      if (it == index.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) index.erase(it);
    }
  }
}

ObjectPtr Indexer::get(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

ObjectPtr Indexer::get(const std::string& namespace_, const std::string& name) const {
  return get(namespace_.empty() ? name : namespace_ + "/" + name);
}

std::vector<ObjectPtr> Indexer::list() const {
  std::lock_guard lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [key, object] : items_) out.push_back(object);
  return out;
}

std::vector<std::string> Indexer::keys() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const auto& [key, object] : items_) out.push_back(key);
  return out;
}

std::vector<std::string> Indexer::keys_by_index(const std::string& index, const std::string& value) const {
  std::lock_guard lock(mu_);
  if (!index_funcs_.count(index)) throw std::invalid_argument("index \"" + index + "\" does not exist");
  auto by_name = indices_.find(index);
  if (by_name == indices_.end()) return {};
  auto it = by_name->second.find(value);
  if (it == by_name->second.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<ObjectPtr> Indexer::by_index(const std::string& index, const std::string& value) const {
  std::lock_guard lock(mu_);
  if (!index_funcs_.count(index)) throw std::invalid_argument("index \"" + index + "\" does not exist");
  std::vector<ObjectPtr> out;
  auto by_name = indices_.find(index);
  if (by_name == indices_.end()) return out;
  auto it = by_name->second.find(value);
  if (it == by_name->second.end()) return out;
  for (const auto& key : it->second) out.push_back(items_.at(key));
  return out;
}

std::size_t Indexer::size() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

ObjectPtr Indexer::upsert(const std::string& key, ObjectPtr object) {
  std::lock_guard lock(mu_);
  ObjectPtr previous;
  auto it = items_.find(key);
  if (it != items_.end()) {
    previous = it->second;
    unindex_locked(key, *previous);
    it->second = object;
  } else {
    items_.emplace(key, object);
  }
  index_locked(key, *object);
  return previous;
}

ObjectPtr Indexer::remove(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return nullptr;
  ObjectPtr previous = it->second;
  unindex_locked(key, *previous);
  items_.erase(it);
  return previous;
}

// ---- SharedInformer --------------------------------------------------------------------------

SharedInformer::SharedInformer(Client& client, GroupVersionResource resource, InformerOptions options)
    : client_(client), resource_(std::move(resource)), options_(std::move(options)) {}

SharedInformer::~SharedInformer() { stop(); }

void SharedInformer::add_event_handler(EventHandlers handlers, std::chrono::milliseconds resync) {
  std::lock_guard lock(mu_);
  Handler handler;
  handler.id = next_handler_id_++;
  handler.registered_at = next_sequence_;
  handler.handlers = std::move(handlers);
  handler.resync = resync.count() > 0 ? resync : options_.resync_period;
  handler.next_resync = std::chrono::steady_clock::now() + handler.resync;
  // What is cached already reaches the new handler as adds, ahead of later events.
  for (const auto& object : indexer_.list()) {
    Notification n{Notification::Kind::add, nullptr, object, {}, 0, handler.id};
    enqueue_locked(std::move(n));
  }
  handlers_.push_back(std::move(handler));
  cv_.notify_all();
}

void SharedInformer::start() {
  if (started_.exchange(true)) return;
  reflector_ = std::thread([this] { reflect_loop(); });
  dispatcher_ = std::thread([this] { dispatch_loop(); });
}

void SharedInformer::stop() {
  if (stopping_.exchange(true)) return;
  {
    std::lock_guard lock(watch_mu_);
    if (current_watch_) current_watch_->stop();
  }
  {
    std::lock_guard lock(mu_);
    cv_.notify_all();
  }
  if (reflector_.joinable()) reflector_.join();
  if (dispatcher_.joinable()) dispatcher_.join();
}

bool SharedInformer::wait_for_sync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return synced_.load() || stopping_.load(); }) && synced_;
}

std::string SharedInformer::last_sync_resource_version() const {
  std::lock_guard lock(mu_);
  return resource_version_;
}

bool SharedInformer::sleep_for(std::chrono::milliseconds duration) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, duration, [&] { return stopping_.load(); });
  return !stopping_;
}

void SharedInformer::enqueue_locked(Notification n) {
  n.sequence = next_sequence_++;
  notifications_.push_back(std::move(n));
  cv_.notify_all();
}

void SharedInformer::reflect_loop() {
  bool need_list = true;
  auto backoff = options_.initial_backoff;
  while (!stopping_) {
    const auto before = list_count_.load();
    try {
      list_and_watch(need_list);
      if (stopping_) break;
      backoff = options_.initial_backoff;
      continue;
    } catch (const ApiError& e) {
      if (e.is_gone()) need_list = true;
      spdlog::warn("informer {}: {} ({})", resource_.group_resource(), e.what(), e.reason());
    } catch (const std::exception& e) {
      spdlog::warn("informer {}: {}", resource_.group_resource(), e.what());
    }
    if (stopping_) break;
    if (list_count_.load() != before) backoff = options_.initial_backoff;
    if (!sleep_for(jittered(backoff))) break;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

std::string SharedInformer::list_into_store() {
  std::vector<Json> items;
  std::string resource_version;
  ListOptions list_options;
  list_options.label_selector = options_.label_selector;
  list_options.field_selector = options_.field_selector;
  list_options.limit = options_.page_size;
  for (;;) {
    Json page;
    try {
      page = client_.list(resource_, options_.namespace_, list_options);
    } catch (const ApiError& e) {
      // The continue token expired mid-way: start over with one unpaginated list.
      if (!e.is_gone() || list_options.continue_token.empty()) throw;
      items.clear();
      list_options.continue_token.clear();
      list_options.limit = 0;
      continue;
    }
    if (page.contains("items") && page["items"].is_array())
      for (auto& item : page["items"]) items.push_back(std::move(item));
    const Json& metadata = page.contains("metadata") ? page["metadata"] : Json::object();
    resource_version = metadata.value("resourceVersion", "");
    std::string next = metadata.value("continue", "");
    if (list_kind_.empty()) {
      std::string kind = page.value("kind", "");
      if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "List") == 0) kind.resize(kind.size() - 4);
      std::lock_guard lock(mu_);
      list_kind_ = kind;
      list_api_version_ = page.value("apiVersion", resource_.api_version());
    }
    if (next.empty()) break;
    list_options.continue_token = next;
  }

  std::lock_guard lock(mu_);
  std::unordered_set<std::string> listed;
  for (auto& item : items) {
    // List items carry no type meta; handlers get complete objects.
    if (!item.contains("kind") && !list_kind_.empty()) item["kind"] = list_kind_;
    if (!item.contains("apiVersion")) item["apiVersion"] = list_api_version_;
    const std::string key = object_key(item);
    listed.insert(key);
    auto object = std::make_shared<const Json>(std::move(item));
    ObjectPtr previous = indexer_.upsert(key, object);
    if (!previous)
      enqueue_locked({Notification::Kind::add, nullptr, object, {}, 0, 0});
    else if (object::resource_version_of(*previous) != object::resource_version_of(*object))
      enqueue_locked({Notification::Kind::update, previous, object, {}, 0, 0});
  }
  for (const auto& key : indexer_.keys()) {
    if (listed.count(key)) continue;
    ObjectPtr previous = indexer_.remove(key);
    if (previous) enqueue_locked({Notification::Kind::remove, nullptr, nullptr, {key, previous, true}, 0, 0});
  }
  resource_version_ = resource_version;
  ++list_count_;
  synced_ = true;
  cv_.notify_all();
  return resource_version;
}

void SharedInformer::apply_event(WatchEvent&& event) {
  if (event.type == WatchEvent::Type::error) throw ApiError(event.object);
  std::lock_guard lock(mu_);
  const std::string rv = object::resource_version_of(event.object);
  if (event.type == WatchEvent::Type::bookmark) {
    if (!rv.empty()) resource_version_ = rv;
    return;
  }
  // The event is consumed: its object becomes the stored one without a copy (a copy per event
  // was the informer's largest allocation churn).
  Json object = std::move(event.object);
  if (!object.contains("kind") && !list_kind_.empty()) object["kind"] = list_kind_;
  if (!object.contains("apiVersion")) object["apiVersion"] = list_api_version_.empty() ? resource_.api_version() : list_api_version_;
  const std::string key = object_key(object);
  auto pointer = std::make_shared<const Json>(std::move(object));
  if (event.type == WatchEvent::Type::deleted) {
    indexer_.remove(key);
    enqueue_locked({Notification::Kind::remove, nullptr, nullptr, {key, pointer, false}, 0, 0});
  } else {
    ObjectPtr previous = indexer_.upsert(key, pointer);
    if (previous)
      enqueue_locked({Notification::Kind::update, previous, pointer, {}, 0, 0});
    else
      enqueue_locked({Notification::Kind::add, nullptr, pointer, {}, 0, 0});
  }
  if (!rv.empty()) resource_version_ = rv;
}

void SharedInformer::list_and_watch(bool& need_list) {
  if (need_list) {
    list_into_store();
    need_list = false;
  }
  while (!stopping_) {
    ListOptions watch_options;
    watch_options.label_selector = options_.label_selector;
    watch_options.field_selector = options_.field_selector;
    watch_options.resource_version = last_sync_resource_version();
    watch_options.allow_watch_bookmarks = true;
    watch_options.timeout_seconds = random_watch_timeout_seconds();
    std::unique_ptr<Watch> watch;
    try {
      watch = client_.watch(resource_, options_.namespace_, watch_options);
    } catch (const ApiError& e) {
      if (e.is_gone()) {  // the resourceVersion is compacted away: relist at once
        need_list = true;
        list_into_store();
        need_list = false;
        continue;
      }
      throw;
    }
    {
      std::lock_guard lock(watch_mu_);
      if (stopping_) return;
      current_watch_ = watch.get();
    }
    const auto opened = std::chrono::steady_clock::now();
    std::size_t events = 0;
    try {
      while (auto event = watch->next()) {
        ++events;
        apply_event(std::move(*event));
      }
    } catch (...) {
      std::lock_guard lock(watch_mu_);
      current_watch_ = nullptr;
      throw;
    }
    {
      std::lock_guard lock(watch_mu_);
      current_watch_ = nullptr;
    }
    // A watch that ends at once without events means the server is going away or
    // refusing: back off instead of spinning.
    if (!stopping_ && events == 0 && std::chrono::steady_clock::now() - opened < std::chrono::seconds(1))
      throw std::runtime_error("watch of " + resource_.group_resource() + " closed immediately");
  }
}

void SharedInformer::deliver(const Handler& handler, const Notification& n) {
  try {
    switch (n.kind) {
      case Notification::Kind::add:
        if (handler.handlers.on_add) handler.handlers.on_add(n.new_object);
        break;
      case Notification::Kind::update:
        if (handler.handlers.on_update) handler.handlers.on_update(n.old_object, n.new_object);
        break;
      case Notification::Kind::remove:
        if (handler.handlers.on_delete) handler.handlers.on_delete(n.deleted);
        break;
      case Notification::Kind::resync_due:
        if (handler.handlers.on_update)
          for (const auto& object : indexer_.list()) handler.handlers.on_update(object, object);
        break;
    }
  } catch (const std::exception& e) {
    spdlog::error("informer {}: event handler failed: {}", resource_.group_resource(), e.what());
  }
}

void SharedInformer::dispatch_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = std::chrono::steady_clock::now();
    // Resyncs due now become targeted notifications, in line with the event stream.
    std::optional<std::chrono::steady_clock::time_point> next_resync;
    if (synced_) {
      for (auto& h : handlers_) {
        if (h.resync.count() <= 0) continue;
        if (h.next_resync <= now) {
          enqueue_locked({Notification::Kind::resync_due, nullptr, nullptr, {}, 0, h.id});
          h.next_resync = now + h.resync;
        }
        if (!next_resync || h.next_resync < *next_resync) next_resync = h.next_resync;
      }
    }
    if (notifications_.empty()) {
      if (next_resync)
        cv_.wait_until(lock, *next_resync);
      else
        cv_.wait(lock);
      continue;
    }
    Notification n = std::move(notifications_.front());
    notifications_.pop_front();
    std::vector<Handler> targets;
    for (const auto& h : handlers_) {
      if (n.only_handler ? h.id == n.only_handler : h.registered_at <= n.sequence) targets.push_back(h);
    }
    lock.unlock();
    for (const auto& h : targets) deliver(h, n);
    lock.lock();
  }
}

// ---- SharedInformerFactory -----------------------------------------------------------------------

SharedInformerFactory::SharedInformerFactory(Client& client, std::chrono::milliseconds default_resync,
                                             std::string namespace_)
    : client_(client), default_resync_(default_resync), namespace_(std::move(namespace_)) {}

SharedInformerFactory::~SharedInformerFactory() { shutdown(); }

std::shared_ptr<SharedInformer> SharedInformerFactory::informer_for(const GroupVersionResource& resource,
                                                                    const std::string& label_selector,
                                                                    const std::string& field_selector) {
  std::lock_guard lock(mu_);
  const std::string key = resource.api_version() + "/" + resource.resource + "?l=" + label_selector + "&f=" + field_selector;
  auto it = informers_.find(key);
  if (it != informers_.end()) return it->second;
  InformerOptions options;
  options.namespace_ = namespace_;
  options.label_selector = label_selector;
  options.field_selector = field_selector;
  options.resync_period = default_resync_;
  auto informer = std::make_shared<SharedInformer>(client_, resource, options);
  informers_.emplace(key, informer);
  if (started_) informer->start();
  return informer;
}

void SharedInformerFactory::start() {
  std::lock_guard lock(mu_);
  started_ = true;
  for (auto& [key, informer] : informers_) informer->start();
}

bool SharedInformerFactory::wait_for_cache_sync(std::chrono::milliseconds timeout) {
  std::vector<std::shared_ptr<SharedInformer>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, informer] : informers_) all.push_back(informer);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& informer : all) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    if (!informer->wait_for_sync(left)) return false;
  }
  return true;
}

void SharedInformerFactory::shutdown() {
  std::vector<std::shared_ptr<SharedInformer>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, informer] : informers_) all.push_back(informer);
  }
  for (auto& informer : all) informer->stop();
}

}  // namespace k3s::client
