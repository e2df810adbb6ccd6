#include "watch_stream.h"

#include <spdlog/spdlog.h>

#include "etcd_proto.h"

namespace k3s::kine::grpcserver {

namespace pb = ::etcdserverpb;

namespace {

std::size_t approximate_size(const Event& event) {
  // Field tags, lengths and the revision numbers fit well within the constant.
  std::size_t bytes = 48 + event.kv.key.size() + event.kv.value.size();
  if (event.prev_kv) bytes += 48 + event.prev_kv->key.size() + event.prev_kv->value.size();
  return bytes;
}

}  // namespace

class WatchStream::TurnSeat final : public WriteTurns::Seat {
 public:
  explicit TurnSeat(WatchStream& stream) : stream_(stream) {}
  bool take_turn() override { return stream_.take_turn(); }

 private:
  WatchStream& stream_;
};

WatchStream::WatchStream(Store& store, const MemberIdentity& identity, WatchEncoder& encoder, WriteTurns& turns)
    : store_(store), identity_(identity), encoder_(encoder), turns_(turns), seat_(std::make_shared<TurnSeat>(*this)) {
  StartRead(&request_buffer_);
}

void WatchStream::OnReadDone(bool ok) {
  drop_retired();
  if (!ok) {
    // Like etcd, a client that closes its sending side keeps receiving until it cancels.
    return;
  }
  request_.Clear();
  if (!grpc::SerializationTraits<pb::WatchRequest>::Deserialize(&request_buffer_, &request_).ok()) {
    // gRPC's own handler would end the call over a message it cannot parse.
    spdlog::warn("kine: watch stream sent a message that is not a WatchRequest");
    std::unique_lock lock(mutex_);
    finish_requested_ = true;
    finish_locked(lock);
    return;
  }
  try {
    switch (request_.request_union_case()) {
      case pb::WatchRequest::kCreateRequest: handle_create(request_.create_request()); break;
      case pb::WatchRequest::kCancelRequest: handle_cancel(request_.cancel_request().watch_id()); break;
      case pb::WatchRequest::kProgressRequest: handle_progress(); break;
      default: break;
    }
  } catch (const std::exception& error) {
    spdlog::warn("kine: watch stream request failed: {}", error.what());
  }
  std::lock_guard lock(mutex_);
  if (!finish_requested_) StartRead(&request_buffer_);
}

void WatchStream::handle_create(const pb::WatchCreateRequest& request) {
  auto entry = std::make_shared<Entry>();
  entry->fragment = request.fragment();
  {
    std::lock_guard lock(mutex_);
    if (request.watch_id() != 0) {
      if (watches_.count(request.watch_id())) {
        pb::WatchResponse refused;
        identity_.fill(refused.mutable_header(), 0);
        refused.set_watch_id(-1);
        refused.set_created(true);
        refused.set_canceled(true);
        refused.set_cancel_reason("mvcc: duplicate watch ID provided on the WatchStream");
        enqueue_locked(std::move(refused));
        return;
      }
      entry->id = request.watch_id();
    } else {
      while (watches_.count(next_auto_id_)) ++next_auto_id_;
      entry->id = next_auto_id_++;
    }
    watches_[entry->id] = entry;
  }

  WatchRequest store_request;
  store_request.key = request.key();
  store_request.range_end = request.range_end();
  store_request.start_revision = request.start_revision();
  store_request.prev_kv = request.prev_kv();
  store_request.progress_notify = request.progress_notify();
  // This stream's watches get an event back to back, so their responses leave in one write.
  store_request.group = reinterpret_cast<uintptr_t>(this);
  for (int filter : request.filters()) {
    if (filter == pb::WatchCreateRequest::NOPUT) store_request.filter_put = true;
    if (filter == pb::WatchCreateRequest::NODELETE) store_request.filter_delete = true;
  }

  pb::WatchResponse created;
  created.set_watch_id(entry->id);
  created.set_created(true);
  std::unique_ptr<Watch> watch;
  try {
    if (store_request.key.empty()) throw StoreError(Errc::invalid_argument, etcdpb::kErrEmptyKey);
    // Read before the watch starts, so no event the watch delivers is at or below it.
    int64_t revision = store_.current_revision();
    identity_.fill(created.mutable_header(), revision);
    int64_t id = entry->id;
    watch = store_.watch(store_request, [this, id](WatchBatch batch) { on_batch(id, std::move(batch)); });
  } catch (const StoreError& error) {
    created.set_canceled(true);
    created.set_cancel_reason(error.code() == Errc::compacted ? etcdpb::kErrCompacted : error.what());
    if (error.code() == Errc::compacted) {
      int64_t compacted_at = 0;
      try {
        compacted_at = store_.status().compact_revision;
      } catch (const StoreError&) {
      }
      created.set_compact_revision(compacted_at > 0 ? compacted_at : std::max<int64_t>(1, request.start_revision()));
    }
    std::lock_guard lock(mutex_);
    watches_.erase(entry->id);
    enqueue_locked(std::move(created));
    return;
  }

  std::lock_guard lock(mutex_);
  entry->watch = std::move(watch);
  entry->announced = true;
  enqueue_locked(std::move(created));
  auto early = std::move(entry->early);
  for (auto& batch : early) {
    if (!watches_.count(entry->id)) break;  // an early batch ended the watch
    emit_locked(*entry, std::move(batch));
  }
}

void WatchStream::handle_cancel(int64_t watch_id) {
  std::unique_ptr<Watch> watch;
  {
    std::lock_guard lock(mutex_);
    auto it = watches_.find(watch_id);
    if (it == watches_.end()) return;
    watch = std::move(it->second->watch);
    watches_.erase(it);
  }
  // Outside the lock: cancel() waits for a running callback, which takes the lock.
  if (watch) watch->cancel();
  pb::WatchResponse canceled;
  identity_.fill(canceled.mutable_header(), 0);
  canceled.set_watch_id(watch_id);
  canceled.set_canceled(true);
  std::lock_guard lock(mutex_);
  enqueue_locked(std::move(canceled));
}

void WatchStream::handle_progress() {
  std::vector<Watch*> targets;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, entry] : watches_) {
      if (entry->watch) targets.push_back(entry->watch.get());
    }
  }
  if (targets.empty()) {
    // Nothing to wait for: the current revision is the stream's progress (etcd's watch_id -1).
    pb::WatchResponse progress;
    identity_.fill(progress.mutable_header(), store_.current_revision());
    progress.set_watch_id(-1);
    std::lock_guard lock(mutex_);
    enqueue_locked(std::move(progress));
    return;
  }
  // Each watch answers once it has delivered everything up to the revision it reports.
  for (Watch* watch : targets) watch->request_progress();
}

void WatchStream::on_batch(int64_t watch_id, WatchBatch batch) {
  std::lock_guard lock(mutex_);
  if (finish_requested_) return;
  auto it = watches_.find(watch_id);
  if (it == watches_.end()) return;
  Entry& entry = *it->second;
  if (!entry.announced) {
    entry.early.push_back(std::move(batch));
    return;
  }
  emit_locked(entry, std::move(batch));
}

void WatchStream::emit_locked(Entry& entry, WatchBatch batch) {
  if (!entry.fragment && batch.compact_revision == 0 && !batch.canceled) {
    if (finish_requested_) return;
    std::size_t bytes = kSmallMessageBytes;
    for (const auto& event : batch.events) bytes += approximate_size(event);
    push_outgoing_locked(encoder_.encode(entry.id, batch), bytes, batch.more_in_group);
    return;
  }
  pb::WatchResponse response;
  identity_.fill(response.mutable_header(), batch.revision);
  response.set_watch_id(entry.id);
  if (batch.compact_revision != 0 || batch.canceled) {
    response.set_canceled(true);
    response.set_compact_revision(batch.compact_revision);
    response.set_cancel_reason(batch.compact_revision != 0 ? etcdpb::kErrCompacted : batch.cancel_reason);
    int64_t id = entry.id;
    enqueue_locked(std::move(response));
    retire_locked(id);
    return;
  }
  // Split like etcd: each fragment stays under the request size limit (at least one event each).
  std::size_t fragment_bytes = 0;
  for (std::size_t i = 0; i < batch.events.size(); ++i) {
    mvccpb::Event event;
    etcdpb::to_proto(batch.events[i], &event);
    std::size_t size = event.ByteSizeLong();
    if (response.events_size() > 0 && fragment_bytes + size > kMaxValueBytes) {
      pb::WatchResponse next;
      *next.mutable_header() = response.header();
      next.set_watch_id(entry.id);
      response.set_fragment(true);
      enqueue_locked(std::move(response), fragment_bytes);
      response = std::move(next);
      fragment_bytes = 0;
    }
    fragment_bytes += size;
    *response.add_events() = std::move(event);
  }
  enqueue_locked(std::move(response), fragment_bytes);
}

void WatchStream::retire_locked(int64_t watch_id) {
  auto it = watches_.find(watch_id);
  if (it == watches_.end()) return;
  if (it->second->watch) retired_.push_back(std::move(it->second->watch));
  watches_.erase(it);
}

void WatchStream::drop_retired() {
  std::vector<std::unique_ptr<Watch>> retired;
  {
    std::lock_guard lock(mutex_);
    retired.swap(retired_);
  }
  for (auto& watch : retired) watch->cancel();
}

void WatchStream::enqueue_locked(pb::WatchResponse response, std::size_t bytes) {
  if (finish_requested_) return;
  push_outgoing_locked(WatchEncoder::serialize(response), bytes);
}

void WatchStream::push_outgoing_locked(grpc::ByteBuffer buffer, std::size_t bytes, bool more_coming) {
  outgoing_.push_back(Outgoing{std::move(buffer), bytes});
  // While the store is still handing this stream's watches the same event, hold the
  // responses back; the last one starts (or joins) a run of writes that ends in one flush.
  more_coming_ = more_coming;
  if (more_coming) return;
  start_writing_locked();
}

void WatchStream::start_writing_locked() {
  if (writing_ || waiting_turn_ || outgoing_.empty() || finish_requested_) return;
  if (!turns_.request(seat_)) {
    waiting_turn_ = true;
    return;
  }
  holds_turn_ = true;
  writing_ = true;
  start_front_write_locked();
}

bool WatchStream::take_turn() {
  std::lock_guard lock(mutex_);
  waiting_turn_ = false;
  if (writing_ || outgoing_.empty() || finish_requested_) return false;
  holds_turn_ = true;
  writing_ = true;
  start_front_write_locked();
  return true;
}

void WatchStream::start_front_write_locked() {
  // The front element stays put while the write is in flight (deque keeps references).
  const grpc::ByteBuffer& next = outgoing_.front().buffer;
  grpc::WriteOptions options;
  // One event reaches many watches of a stream as one response each; when more are queued
  // behind this one, let gRPC gather them into one socket write, as etcd's server does.
  // Never for the first message (it carries the initial metadata, which a hint would hold
  // back) and never beyond a small budget, so a hinted write always completes promptly.
  std::size_t size = outgoing_.front().bytes;
  if (wrote_once_ && (outgoing_.size() > 1 || more_coming_) && unflushed_bytes_ + size <= kMaxUnflushedBytes) {
    options.set_buffer_hint();
    unflushed_bytes_ += size;
    front_flushes_ = false;
  } else {
    unflushed_bytes_ = 0;
    front_flushes_ = true;
  }
  wrote_once_ = true;
  StartWrite(&next, options);
}

void WatchStream::OnWriteDone(bool ok) {
  std::unique_lock lock(mutex_);
  outgoing_.pop_front();
  if (!ok) {
    // The client is gone; nothing more can be delivered.
    finish_requested_ = true;
    outgoing_.clear();
  }
  // A run ends at its flushing write; what was queued meanwhile waits for the next turn,
  // so a stream receiving without pause cannot keep the turn from the others.
  if (!outgoing_.empty() && !finish_requested_ && !(front_flushes_ && holds_turn_)) {
    start_front_write_locked();
    return;
  }
  writing_ = false;
  bool give_back = holds_turn_;
  holds_turn_ = false;
  if (finish_requested_) finish_locked(lock);
  if (!give_back) return;
  lock.unlock();
  turns_.release();
  lock.lock();
  start_writing_locked();
}

void WatchStream::finish_locked(std::unique_lock<std::mutex>&) {
  if (finished_ || writing_) return;
  finished_ = true;
  Finish(grpc::Status::OK);
}

void WatchStream::OnCancel() {
  std::unique_lock lock(mutex_);
  finish_requested_ = true;
  finish_locked(lock);
}

void WatchStream::OnDone() {
  // After this no turn can reach the stream (a running take_turn is waited for).
  seat_->leave();
  std::vector<std::unique_ptr<Watch>> watches;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, entry] : watches_) {
      if (entry->watch) watches.push_back(std::move(entry->watch));
    }
    watches_.clear();
  }
  for (auto& watch : watches) watch->cancel();
  drop_retired();
  delete this;
}


}  // namespace k3s::kine::grpcserver
