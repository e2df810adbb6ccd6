// One Store watch carried by its own etcd Watch stream. When the member goes away the
// stream is re-opened (on the next member) from the revision after the last delivered
// batch, so the watcher sees no gap and no duplicate.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "etcd_endpoints.h"
#include "kine/store.h"

namespace k3s::kine::etcdpb {

// The stream loop and its state. Shared between the Watch handle and the loop's thread,
// so a watch canceled from its own callback can be destroyed while the loop winds down.
class EtcdWatchWorker : public std::enable_shared_from_this<EtcdWatchWorker> {
 public:
  EtcdWatchWorker(std::shared_ptr<EtcdEndpoints> endpoints, int64_t id, WatchRequest request, WatchCallback callback);
  void start();
  void cancel();
  void request_progress();
  int64_t id() const { return id_; }

 private:
  using Stream = grpc::ClientReaderWriter<::etcdserverpb::WatchRequest, ::etcdserverpb::WatchResponse>;
  enum class StreamEnd { finished, reconnect };

  void run();
  StreamEnd run_stream(std::size_t endpoint_index);
  // Returns false once the watch is over (compacted or canceled by etcd).
  bool handle(const ::etcdserverpb::WatchResponse& response, std::vector<Event>& fragments);
  void deliver(WatchBatch batch);
  void sleep_before_retry(std::chrono::milliseconds delay);

  std::shared_ptr<EtcdEndpoints> endpoints_;
  const int64_t id_;
  const WatchRequest request_;
  const WatchCallback callback_;
  int64_t next_revision_;  // where a re-opened stream resumes; 0 = "now"
  bool over_ = false;

  std::mutex mutex_;  // guards the fields below
  std::condition_variable wake_;
  bool stopping_ = false;
  grpc::ClientContext* context_ = nullptr;
  Stream* stream_ = nullptr;
  // A progress request made before the stream existed, sent once its watch is created.
  bool progress_pending_ = false;
  std::mutex write_mutex_;  // one writer at a time on stream_

  std::mutex callback_mutex_;  // cancel() waits for a running callback
  std::atomic<bool> join_claimed_{false};  // the first cancel() joins or detaches the thread
  std::thread thread_;
};

class EtcdWatch : public Watch {
 public:
  EtcdWatch(std::shared_ptr<EtcdEndpoints> endpoints, int64_t id, WatchRequest request, WatchCallback callback);
  ~EtcdWatch() override { worker_->cancel(); }

  int64_t id() const override { return worker_->id(); }
  void cancel() override { worker_->cancel(); }
  void request_progress() override { worker_->request_progress(); }

 private:
  std::shared_ptr<EtcdWatchWorker> worker_;
};

}  // namespace k3s::kine::etcdpb
