// One Store watch carried by its own etcd Watch stream. When the member goes away the
// stream is re-opened (on the next member) from the revision after the last delivered
// batch, so the watcher sees no gap and no duplicate.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "etcd_endpoints.h"
#include "kine/store.h"

namespace k3s::kine::etcdpb {

class EtcdWatch : public Watch {
 public:
  EtcdWatch(EtcdEndpoints& endpoints, int64_t id, WatchRequest request, WatchCallback callback);
  ~EtcdWatch() override;

  int64_t id() const override { return id_; }
  void cancel() override;
  void request_progress() override;

 private:
  using Stream = grpc::ClientReaderWriter<::etcdserverpb::WatchRequest, ::etcdserverpb::WatchResponse>;
  enum class StreamEnd { finished, reconnect };

  void run();
  StreamEnd run_stream(std::size_t endpoint_index);
  // Returns false once the watch is over (compacted or canceled by etcd).
  bool handle(const ::etcdserverpb::WatchResponse& response, std::vector<Event>& fragments);
  void deliver(WatchBatch batch);
  void sleep_before_retry(std::chrono::milliseconds delay);

  EtcdEndpoints& endpoints_;
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
  std::mutex write_mutex_;  // one writer at a time on stream_

  std::mutex callback_mutex_;  // cancel() waits for a running callback
  std::thread thread_;
};

}  // namespace k3s::kine::etcdpb
