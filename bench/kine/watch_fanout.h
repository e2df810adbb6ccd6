// The receiving side of the watch workload: every watch stream driven from one completion
// queue by a few threads. A thread blocked in Read() per stream puts a thread wake-up
// between the network and each response; with 1,000 responses per write, those wake-ups
// cost the client as much CPU as the server spends on the fan-out being measured, and the
// two compete for the same cores.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "latency_recorder.h"

namespace k3s::bench {

class WatchFanout {
 public:
  // One stream per channel given; `watchers` spread over them as evenly as they go. Each
  // watcher expects `events` writes to `key`, whose values are the writer's clock in ns.
  WatchFanout(const std::vector<std::shared_ptr<grpc::Channel>>& channels, const std::string& key, int watchers,
              int events, int threads);
  ~WatchFanout();
  WatchFanout(const WatchFanout&) = delete;
  WatchFanout& operator=(const WatchFanout&) = delete;

  // True once every watch is created; false when a stream failed or the deadline passed.
  bool wait_created(std::chrono::steady_clock::time_point deadline);
  // Waits until every watcher has seen every event, or the deadline; then ends the streams.
  void finish(std::chrono::steady_clock::time_point deadline);

  int64_t delivered() const { return delivered_.load(); }
  int64_t last_delivery_ns() const { return last_delivery_ns_.load(); }
  LatencyRecorder& latencies() { return latencies_; }

 private:
  struct Stream;
  enum Op : uintptr_t { kStarted = 0, kWritten = 1, kRead = 2, kFinished = 3 };
  static void* tag(Stream* stream, Op op);

  void poll();
  void handle(Stream& stream, Op op, bool ok);
  void write_next_locked(Stream& stream);
  void count_locked(Stream& stream);  // adds the stream's latencies to the totals, once
  void end_locked(Stream& stream);
  void stream_event(bool created, bool finished);

  grpc::CompletionQueue queue_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::vector<std::thread> pollers_;
  std::string key_;
  LatencyRecorder latencies_;
  std::atomic<int64_t> delivered_{0};
  std::atomic<int64_t> last_delivery_ns_{0};

  std::mutex state_mutex_;
  std::condition_variable state_changed_;
  int created_streams_ = 0;
  int counted_streams_ = 0;
  int finished_streams_ = 0;
};

}  // namespace k3s::bench
