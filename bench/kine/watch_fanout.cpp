#include "watch_fanout.h"

#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace k3s::bench {

namespace pb = ::etcdserverpb;

namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct alignas(8) WatchFanout::Stream {
  std::unique_ptr<pb::Watch::Stub> stub;
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientAsyncReaderWriter<pb::WatchRequest, pb::WatchResponse>> call;
  pb::WatchRequest create;
  pb::WatchResponse response;
  grpc::Status status;

  std::mutex mutex;  // a read and a write of one stream may complete on two pollers at once
  int watchers = 0;
  int requested = 0;
  int created = 0;
  int64_t wanted = 0;
  std::vector<int64_t> latencies;
  bool reading = false;
  bool writing = false;
  bool counted = false;   // its latencies are in the totals
  bool canceled = false;
  bool finish_started = false;
};

void* WatchFanout::tag(Stream* stream, Op op) {
  return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(stream) | op);
}

WatchFanout::WatchFanout(const std::vector<std::shared_ptr<grpc::Channel>>& channels, const std::string& key,
                         int watchers, int events, int threads)
    : key_(key) {
  const int count = static_cast<int>(channels.size());
  for (int s = 0; s < count; ++s) {
    auto stream = std::make_unique<Stream>();
    stream->watchers = watchers / count + (s < watchers % count ? 1 : 0);
    stream->wanted = static_cast<int64_t>(stream->watchers) * events;
    stream->latencies.reserve(static_cast<std::size_t>(stream->wanted));
    stream->create.mutable_create_request()->set_key(key_);
    stream->stub = pb::Watch::NewStub(channels[s]);
    stream->call = stream->stub->PrepareAsyncWatch(&stream->context, &queue_);
    streams_.push_back(std::move(stream));
  }
  for (auto& stream : streams_) stream->call->StartCall(tag(stream.get(), kStarted));
  for (int t = 0; t < std::max(1, threads); ++t) pollers_.emplace_back([this] { poll(); });
}

WatchFanout::~WatchFanout() {
  finish(std::chrono::steady_clock::now());
  queue_.Shutdown();
  for (auto& poller : pollers_) poller.join();
}

void WatchFanout::poll() {
  void* raw = nullptr;
  bool ok = false;
  while (queue_.Next(&raw, &ok)) {
    auto bits = reinterpret_cast<uintptr_t>(raw);
    handle(*reinterpret_cast<Stream*>(bits & ~uintptr_t{3}), static_cast<Op>(bits & 3), ok);
  }
}

void WatchFanout::handle(Stream& stream, Op op, bool ok) {
  bool now_created = false;
  bool now_finished = false;
  {
    std::lock_guard lock(stream.mutex);
    switch (op) {
      case kStarted:
        if (!ok) {
          end_locked(stream);
          break;
        }
        write_next_locked(stream);
        stream.reading = true;
        stream.call->Read(&stream.response, tag(&stream, kRead));
        break;
      case kWritten:
        stream.writing = false;
        if (!ok || stream.canceled) {
          end_locked(stream);
        } else {
          write_next_locked(stream);
        }
        break;
      case kRead: {
        stream.reading = false;
        if (!ok || stream.canceled) {
          end_locked(stream);
          break;
        }
        int64_t received = now_ns();
        if (stream.response.created() && ++stream.created == stream.watchers) now_created = true;
        for (const auto& event : stream.response.events()) {
          stream.latencies.push_back(received - std::stoll(event.kv().value()));
        }
        if (!stream.response.events().empty()) {
          int64_t last = last_delivery_ns_.load();
          while (last < received && !last_delivery_ns_.compare_exchange_weak(last, received)) {
          }
        }
        if (static_cast<int64_t>(stream.latencies.size()) >= stream.wanted) {
          // Counted, but left open: tearing streams down while others still receive the
          // last event would put the cancellations' work into that event's latencies.
          count_locked(stream);
        } else {
          stream.reading = true;
          stream.call->Read(&stream.response, tag(&stream, kRead));
        }
        break;
      }
      case kFinished:
        now_finished = true;
        break;
    }
  }
  if (now_created || now_finished) stream_event(now_created, now_finished);
}

void WatchFanout::write_next_locked(Stream& stream) {
  if (stream.requested >= stream.watchers) return;
  ++stream.requested;
  stream.writing = true;
  stream.call->Write(stream.create, tag(&stream, kWritten));
}

void WatchFanout::count_locked(Stream& stream) {
  if (stream.counted) return;
  stream.counted = true;
  latencies_.add_all(stream.latencies);
  delivered_ += static_cast<int64_t>(stream.latencies.size());
  std::lock_guard lock(state_mutex_);
  ++counted_streams_;
  state_changed_.notify_all();
}

void WatchFanout::end_locked(Stream& stream) {
  count_locked(stream);
  if (!stream.canceled) {
    stream.canceled = true;
    stream.context.TryCancel();
  }
  // Finish may only start once no read or write of the stream is outstanding.
  if (!stream.reading && !stream.writing && !stream.finish_started) {
    stream.finish_started = true;
    stream.call->Finish(&stream.status, tag(&stream, kFinished));
  }
}

void WatchFanout::stream_event(bool created, bool finished) {
  std::lock_guard lock(state_mutex_);
  if (created) ++created_streams_;
  if (finished) ++finished_streams_;
  state_changed_.notify_all();
}

bool WatchFanout::wait_created(std::chrono::steady_clock::time_point deadline) {
  const int count = static_cast<int>(streams_.size());
  std::unique_lock lock(state_mutex_);
  state_changed_.wait_until(lock, deadline, [&] { return created_streams_ == count || counted_streams_ > 0; });
  return created_streams_ == count && counted_streams_ == 0;
}

void WatchFanout::finish(std::chrono::steady_clock::time_point deadline) {
  const int count = static_cast<int>(streams_.size());
  {
    std::unique_lock lock(state_mutex_);
    state_changed_.wait_until(lock, deadline, [&] { return counted_streams_ == count; });
  }
  for (auto& stream : streams_) {
    std::lock_guard lock(stream->mutex);
    end_locked(*stream);
  }
  std::unique_lock lock(state_mutex_);
  state_changed_.wait(lock, [&] { return finished_streams_ == count; });
}

}  // namespace k3s::bench
