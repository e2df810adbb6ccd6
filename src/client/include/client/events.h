// Records core/v1 Events about objects, as controllers do (`kubectl describe` shows them).
// Writes happen on a background thread so callers never block on the API; a repeat of the
// same event (same object, type, reason and message from the same source) is aggregated
// into the existing Event: count + 1 and a new lastTimestamp.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "client/client.h"

namespace k3s::client {

inline constexpr const char* kEventTypeNormal = "Normal";
inline constexpr const char* kEventTypeWarning = "Warning";

class EventRecorder {
 public:
  // `component` is source.component / reportingComponent (e.g. "deployment-controller"),
  // `host` is source.host (kubelets set their node name).
  EventRecorder(Client& client, std::string component, std::string host = {});
  ~EventRecorder();  // writes what is queued, then stops
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // `object` is the involved object (its kind, apiVersion, namespace, name, uid and
  // resourceVersion are referenced). Never throws; failures are logged.
  void event(const Json& object, const std::string& type, const std::string& reason, const std::string& message);
  // Blocks until every event queued so far has been written (or failed).
  void flush();

 private:
  struct Pending {
    Json involved;
    std::string type, reason, message;
    std::string timestamp;
  };
  struct Aggregate {
    std::string namespace_, name;
    std::int64_t count = 0;
    std::list<std::string>::iterator lru;
  };

  void loop();
  void write(const Pending& event);

  Client& client_;
  std::string component_, host_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  std::uint64_t enqueued_ = 0, written_ = 0;
  bool stopping_ = false;
  bool worker_running_ = false;
  std::unordered_map<std::string, Aggregate> seen_;  // aggregation key -> Event
  std::list<std::string> lru_;                       // most recent first
  std::thread worker_;
};

}  // namespace k3s::client
