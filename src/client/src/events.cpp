#include "client/events.h"

#include <chrono>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "object/meta.h"

namespace k3s::client {
namespace {

constexpr std::size_t kMaxAggregates = 4096;  // client-go's LRU size for event correlation

std::string unique_event_name(const std::string& object_name) {
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  char hex[32];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(nanos));
  return object_name + "." + hex;
}

}  // namespace

EventRecorder::EventRecorder(Client& client, std::string component, std::string host)
    : client_(client), component_(std::move(component)), host_(std::move(host)) {}

EventRecorder::~EventRecorder() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (worker_.joinable()) worker_.join();
}

void EventRecorder::event(const Json& object, const std::string& type, const std::string& reason,
                          const std::string& message) {
  Pending p;
  p.involved = {{"kind", object::kind_of(object)},
                {"apiVersion", object::api_version_of(object)},
                {"name", object::name_of(object)}};
  if (auto ns = object::namespace_of(object); !ns.empty()) p.involved["namespace"] = ns;
  if (auto uid = object::uid_of(object); !uid.empty()) p.involved["uid"] = uid;
  if (auto rv = object::resource_version_of(object); !rv.empty()) p.involved["resourceVersion"] = rv;
  p.type = type;
  p.reason = reason;
  p.message = message;
  p.timestamp = object::format_time(object::now());
  std::lock_guard lock(mu_);
  if (stopping_) return;
  queue_.push_back(std::move(p));
  ++enqueued_;
  cv_.notify_all();
  if (!worker_running_) {
    // The previous worker, if any, has left the loop (it cleared the flag under this lock)
    // and needs nothing more from us to finish.
    if (worker_.joinable()) worker_.join();
    worker_running_ = true;
    worker_ = std::thread([this] { loop(); });
  }
}

void EventRecorder::flush() {
  std::unique_lock lock(mu_);
  const auto target = enqueued_;
  cv_.wait(lock, [&] { return written_ >= target; });
}

// Runs while there are events to write and leaves after a quiet minute: every controller
// has a recorder, and most of them are silent most of the time.
void EventRecorder::loop() {
  constexpr auto kIdle = std::chrono::seconds(60);
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait_for(lock, kIdle, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {  // stopping or idle, with nothing left
      worker_running_ = false;
      return;
    }
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    write(p);
    lock.lock();
    ++written_;
    cv_.notify_all();
  }
}

void EventRecorder::write(const Pending& p) {
  const std::string aggregation_key = p.involved.dump() + "\x1f" + p.type + "\x1f" + p.reason + "\x1f" + p.message;
  const std::string event_namespace = p.involved.value("namespace", "default");
  // Only the worker thread touches the aggregation cache.
  auto found = seen_.find(aggregation_key);
  if (found != seen_.end()) {
    Aggregate& aggregate = found->second;
    lru_.splice(lru_.begin(), lru_, aggregate.lru);
    Json patch = {{"count", aggregate.count + 1}, {"lastTimestamp", p.timestamp}};
    try {
      Json patched = client_.patch(resources::kEvents, aggregate.namespace_, aggregate.name, PatchType::merge, patch);
      aggregate.count = patched.value("count", aggregate.count + 1);
      return;
    } catch (const ApiError& e) {
      if (!e.is_not_found()) {
        spdlog::warn("event {}/{}: {}", aggregate.namespace_, aggregate.name, e.what());
        return;
      }
      // The Event expired (events have a TTL): start a new one.
    } catch (const std::exception& e) {
      spdlog::warn("event {}/{}: {}", aggregate.namespace_, aggregate.name, e.what());
      return;
    }
  }

  Json event = {{"apiVersion", "v1"},
                {"kind", "Event"},
                {"metadata", {{"name", unique_event_name(p.involved.value("name", "event"))}, {"namespace", event_namespace}}},
                {"involvedObject", p.involved},
                {"reason", p.reason},
                {"message", p.message},
                {"type", p.type},
                {"source", Json::object()},
                {"firstTimestamp", p.timestamp},
                {"lastTimestamp", p.timestamp},
                {"count", 1},
                {"reportingComponent", component_},
                {"reportingInstance", host_}};
  if (!component_.empty()) event["source"]["component"] = component_;
  if (!host_.empty()) event["source"]["host"] = host_;
  try {
    Json created = client_.create(resources::kEvents, event);
    if (found == seen_.end()) {
      lru_.push_front(aggregation_key);
      found = seen_.emplace(aggregation_key, Aggregate{}).first;
      found->second.lru = lru_.begin();
    }
    found->second.namespace_ = event_namespace;
    found->second.name = object::name_of(created);
    found->second.count = created.value("count", 1);
    while (seen_.size() > kMaxAggregates) {
      seen_.erase(lru_.back());
      lru_.pop_back();
    }
  } catch (const std::exception& e) {
    spdlog::warn("event for {} {}/{}: {}", p.involved.value("kind", ""), event_namespace,
                 p.involved.value("name", ""), e.what());
  }
}

}  // namespace k3s::client
