// Wire bytes of etcd WatchResponses, built so one event fanned out to many watches is
// encoded once. A response that carries events (or is a progress notification) has only
// three fields set: header (1), watch_id (2) and events (11), and protobuf writes fields in
// number order, so its encoding is header bytes + watch_id bytes + events bytes. The
// header and events parts are the same for every watch handed the same EventList at the
// same revision: they are encoded once, kept as reference-counted gRPC slices, and each
// watch's response is a byte buffer of those two slices around its own watch_id.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "kine/store.h"
#include "member_identity.h"

namespace k3s::kine::grpcserver {

class WatchEncoder {
 public:
  explicit WatchEncoder(const MemberIdentity& identity) : identity_(identity) {}

  // The response to `watch_id` for a batch with neither cancel nor compaction: a header
  // at batch.revision and every event of the batch. Byte for byte what serializing that
  // WatchResponse gives.
  grpc::ByteBuffer encode(int64_t watch_id, const WatchBatch& batch);
  // Any other response (created, canceled, fragments), serialized as a whole.
  static grpc::ByteBuffer serialize(const ::etcdserverpb::WatchResponse& response);

 private:
  struct Parts {
    std::shared_ptr<const std::vector<Event>> list;  // held, so the address cannot be reused
    int64_t revision = -1;
    grpc::Slice header;
    grpc::Slice events;
  };
  Parts encode_parts(const WatchBatch& batch) const;

  // Responses up to this size are one copied slice; larger ones share the encoded events.
  static constexpr std::size_t kCopyBelowBytes = 4096;

  const MemberIdentity& identity_;
  std::mutex mutex_;
  // The parts of the last few shared lists: the store hands one list to all its watches
  // one after another, so a short memory serves a whole fan-out.
  std::array<Parts, 4> recent_;
  std::size_t next_ = 0;
};

}  // namespace k3s::kine::grpcserver
