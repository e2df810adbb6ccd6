#include "etcd_watch.h"

#include <spdlog/spdlog.h>

#include "etcd_proto.h"

namespace k3s::kine::etcdpb {

EtcdWatch::EtcdWatch(std::shared_ptr<EtcdEndpoints> endpoints, int64_t id, WatchRequest request,
                     WatchCallback callback)
    : worker_(std::make_shared<EtcdWatchWorker>(std::move(endpoints), id, std::move(request), std::move(callback))) {
  worker_->start();
}

EtcdWatchWorker::EtcdWatchWorker(std::shared_ptr<EtcdEndpoints> endpoints, int64_t id, WatchRequest request,
                                 WatchCallback callback)
    : endpoints_(std::move(endpoints)),
      id_(id),
      request_(std::move(request)),
      callback_(std::move(callback)),
      next_revision_(request_.start_revision) {}

void EtcdWatchWorker::start() {
  thread_ = std::thread([self = shared_from_this()] { self->run(); });
}

void EtcdWatchWorker::cancel() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (context_) context_->TryCancel();
  }
  wake_.notify_all();
  if (join_claimed_.exchange(true) || !thread_.joinable()) return;
  if (thread_.get_id() == std::this_thread::get_id()) {
    // Called from our own callback: the loop ends by itself once the callback returns,
    // keeping this worker alive until then.
    thread_.detach();
    return;
  }
  thread_.join();
}

void EtcdWatchWorker::request_progress() {
  std::lock_guard lock(mutex_);
  if (!stream_) {
    progress_pending_ = true;
    return;
  }
  ::etcdserverpb::WatchRequest progress;
  progress.mutable_progress_request();
  std::lock_guard write_lock(write_mutex_);
  stream_->Write(progress);
}

void EtcdWatchWorker::deliver(WatchBatch batch) {
  std::lock_guard lock(callback_mutex_);
  {
    std::lock_guard state(mutex_);
    if (stopping_) return;
  }
  callback_(std::move(batch));
}

void EtcdWatchWorker::sleep_before_retry(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, delay, [this] { return stopping_; });
}

void EtcdWatchWorker::run() {
  std::chrono::milliseconds backoff(100);
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ || over_) return;
    }
    std::size_t index = endpoints_->current_index();
    auto started = std::chrono::steady_clock::now();
    if (run_stream(index) == StreamEnd::finished) return;
    endpoints_->fail_over_from(index);
    if (std::chrono::steady_clock::now() - started > std::chrono::seconds(10)) backoff = std::chrono::milliseconds(100);
    sleep_before_retry(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

EtcdWatchWorker::StreamEnd EtcdWatchWorker::run_stream(std::size_t endpoint_index) {
  EtcdEndpoint& endpoint = endpoints_->at(endpoint_index);
  grpc::ClientContext context;
  // A member cut off from its cluster cancels the stream instead of going silent.
  context.AddMetadata("hasleader", "true");
  std::unique_ptr<Stream> stream;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return StreamEnd::finished;
    context_ = &context;
    stream = endpoint.watch->Watch(&context);
    stream_ = stream.get();
  }
  auto detach = [&] {
    std::lock_guard lock(mutex_);
    context_ = nullptr;
    stream_ = nullptr;
  };

  ::etcdserverpb::WatchRequest create;
  auto* c = create.mutable_create_request();
  c->set_key(request_.key);
  c->set_range_end(request_.range_end);
  c->set_start_revision(next_revision_);
  c->set_prev_kv(request_.prev_kv);
  c->set_progress_notify(request_.progress_notify);
  c->set_fragment(true);
  if (request_.filter_put) c->add_filters(::etcdserverpb::WatchCreateRequest::NOPUT);
  if (request_.filter_delete) c->add_filters(::etcdserverpb::WatchCreateRequest::NODELETE);
  bool written;
  {
    std::lock_guard lock(mutex_);
    std::lock_guard write_lock(write_mutex_);
    written = stream->Write(create);
    if (written && progress_pending_) {
      ::etcdserverpb::WatchRequest progress;
      progress.mutable_progress_request();
      written = stream->Write(progress);
      progress_pending_ = false;
    }
  }

  std::vector<Event> fragments;
  ::etcdserverpb::WatchResponse response;
  bool keep_going = written;
  while (keep_going && stream->Read(&response)) keep_going = handle(response, fragments);
  if (!keep_going && written && over_) {
    context.TryCancel();
  }
  grpc::Status status = stream->Finish();
  detach();
  if (over_) return StreamEnd::finished;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return StreamEnd::finished;
  }
  spdlog::warn("etcd: watch on {} from {} interrupted ({}); resuming from revision {}", request_.key, endpoint.url,
               status.ok() ? std::string("stream closed") : status.error_message(), next_revision_);
  return StreamEnd::reconnect;
}

bool EtcdWatchWorker::handle(const ::etcdserverpb::WatchResponse& response, std::vector<Event>& fragments) {
  if (response.compact_revision() != 0) {
    WatchBatch batch;
    batch.revision = response.header().revision();
    batch.compact_revision = response.compact_revision();
    over_ = true;
    deliver(std::move(batch));
    return false;
  }
  if (response.canceled()) {
    const std::string& reason = response.cancel_reason();
    if (reason.find("no leader") != std::string::npos) return false;  // try another member
    WatchBatch batch;
    batch.revision = response.header().revision();
    batch.canceled = true;
    batch.cancel_reason = reason.empty() ? "watch canceled by etcd" : reason;
    over_ = true;
    deliver(std::move(batch));
    return false;
  }
  if (response.created()) {
    // "Now" is pinned at creation, so a re-opened stream continues from here.
    if (next_revision_ == 0) next_revision_ = response.header().revision() + 1;
    return true;
  }
  for (const auto& event : response.events()) fragments.push_back(from_proto(event));
  if (response.fragment()) return true;

  WatchBatch batch;
  if (fragments.empty()) {
    // Progress notification: nothing for this watcher up to header.revision.
    batch.revision = response.header().revision();
    if (batch.revision + 1 > next_revision_) next_revision_ = batch.revision + 1;
  } else {
    batch.revision = fragments.back().kv.mod_revision;
    next_revision_ = batch.revision + 1;
    batch.events = std::move(fragments);
    fragments.clear();
  }
  deliver(std::move(batch));
  return true;
}

}  // namespace k3s::kine::etcdpb
