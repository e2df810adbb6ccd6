// The server side of one etcd Watch stream.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "kine/store.h"
#include "member_identity.h"
#include "watch_encoder.h"
#include "write_turns.h"

namespace k3s::kine::grpcserver {

// Raw on the wire: requests are parsed here, and responses leave as byte buffers, most of
// them built by the shared WatchEncoder around bytes encoded once per event.
class WatchStream final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  WatchStream(Store& store, const MemberIdentity& identity, WatchEncoder& encoder, WriteTurns& turns);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  struct Entry {
    int64_t id = 0;
    std::unique_ptr<Watch> watch;
    bool fragment = false;   // the client accepts a large batch split over several responses
    bool announced = false;  // the "created" response is queued; batches may follow it
    std::vector<WatchBatch> early;  // batches that arrived before the "created" response
  };

  void handle_create(const ::etcdserverpb::WatchCreateRequest& request);
  void handle_cancel(int64_t watch_id);
  void handle_progress();
  void on_batch(int64_t watch_id, WatchBatch batch);  // store threads

  // Everything below requires mutex_.
  void emit_locked(Entry& entry, WatchBatch batch);
  void retire_locked(int64_t watch_id);
  // `bytes` bounds how much is held back for one socket write; control messages are tiny.
  void enqueue_locked(::etcdserverpb::WatchResponse response, std::size_t bytes = kSmallMessageBytes);
  // Starts the queued writes, at once or when this stream's turn comes.
  void start_writing_locked();
  // Called by WriteTurns when the turn comes; takes mutex_ itself.
  bool take_turn();
  void start_front_write_locked();
  void finish_locked(std::unique_lock<std::mutex>& lock);
  // Destroys store watches that ended by themselves; never from a store callback.
  void drop_retired();

  Store& store_;
  const MemberIdentity& identity_;
  WatchEncoder& encoder_;
  WriteTurns& turns_;
  class TurnSeat;
  std::shared_ptr<WriteTurns::Seat> seat_;
  grpc::ByteBuffer request_buffer_;
  ::etcdserverpb::WatchRequest request_;

  std::mutex mutex_;
  std::map<int64_t, std::shared_ptr<Entry>> watches_;
  std::vector<std::unique_ptr<Watch>> retired_;
  // A response waiting to be written; the front one is in flight (a deque keeps it in place).
  struct Outgoing {
    grpc::ByteBuffer buffer;
    std::size_t bytes = 0;
  };
  // `more_coming`: the store hands another watch of this stream a batch right after this one.
  void push_outgoing_locked(grpc::ByteBuffer buffer, std::size_t bytes, bool more_coming = false);
  std::deque<Outgoing> outgoing_;
  int64_t next_auto_id_ = 0;
  bool writing_ = false;
  bool waiting_turn_ = false;
  bool holds_turn_ = false;
  bool front_flushes_ = false;  // the write in flight carries no buffer hint
  bool more_coming_ = false;  // the last response queued said more follow at once
  bool wrote_once_ = false;
  std::size_t unflushed_bytes_ = 0;  // written with a buffer hint since the last flushing write
  static constexpr std::size_t kMaxUnflushedBytes = 16 * 1024;
  static constexpr std::size_t kSmallMessageBytes = 64;
  bool finish_requested_ = false;
  bool finished_ = false;
};

}  // namespace k3s::kine::grpcserver
