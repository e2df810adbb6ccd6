#include "watch_encoder.h"

#include <cstring>

#include <google/protobuf/io/coded_stream.h>

#include "etcd_proto.h"

namespace k3s::kine::grpcserver {

namespace pb = ::etcdserverpb;

namespace {

grpc::Slice serialized_slice(const google::protobuf::MessageLite& message) {
  std::size_t size = message.ByteSizeLong();
  if (size == 0) return grpc::Slice();
  grpc_slice slice = grpc_slice_malloc(size);
  message.SerializeWithCachedSizesToArray(GRPC_SLICE_START_PTR(slice));
  return grpc::Slice(slice, grpc::Slice::STEAL_REF);
}

}  // namespace

WatchEncoder::Parts WatchEncoder::encode_parts(const WatchBatch& batch) const {
  Parts parts;
  parts.list = batch.events.shared();
  parts.revision = batch.revision;
  pb::WatchResponse header_only;
  identity_.fill(header_only.mutable_header(), batch.revision);
  parts.header = serialized_slice(header_only);
  if (!batch.events.empty()) {
    pb::WatchResponse events_only;
    events_only.mutable_events()->Reserve(static_cast<int>(batch.events.size()));
    for (const auto& event : batch.events) etcdpb::to_proto(event, events_only.add_events());
    parts.events = serialized_slice(events_only);
  }
  return parts;
}

grpc::ByteBuffer WatchEncoder::encode(int64_t watch_id, const WatchBatch& batch) {
  grpc::Slice header, events;
  const auto& list = batch.events.shared();
  // A list only this batch holds is nobody else's to share: encode it without keeping it.
  bool shareable = !list || list.use_count() > 1;
  bool found = false;
  if (shareable) {
    std::lock_guard lock(mutex_);
    for (const auto& parts : recent_) {
      if (parts.revision == batch.revision && parts.list == list) {
        header = parts.header;
        events = parts.events;
        found = true;
        break;
      }
    }
  }
  if (!found) {
    Parts parts = encode_parts(batch);
    header = parts.header;
    events = parts.events;
    if (shareable) {
      std::lock_guard lock(mutex_);
      recent_[next_] = std::move(parts);
      next_ = (next_ + 1) % recent_.size();
    }
  }
  // watch_id is field 2, a varint; proto3 leaves it out when zero.
  uint8_t id_bytes[1 + 10];  // the tag, then at most ten bytes of varint
  std::size_t id_size = 0;
  if (watch_id != 0) {
    id_bytes[0] = (2 << 3) | 0;
    uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(static_cast<uint64_t>(watch_id), id_bytes + 1);
    id_size = static_cast<std::size_t>(end - id_bytes);
  }
  std::size_t total = header.size() + id_size + events.size();
  if (total <= kCopyBelowBytes) {
    // A small response is cheaper copied into a slice of its own than assembled from
    // shared slices, whose reference counts every thread that touches a copy would then
    // pull back and forth between cores.
    grpc_slice whole = grpc_slice_malloc(total);
    uint8_t* out = GRPC_SLICE_START_PTR(whole);
    std::memcpy(out, header.begin(), header.size());
    std::memcpy(out + header.size(), id_bytes, id_size);
    if (events.size() > 0) std::memcpy(out + header.size() + id_size, events.begin(), events.size());
    grpc::Slice slice(whole, grpc::Slice::STEAL_REF);
    return grpc::ByteBuffer(&slice, 1);
  }
  grpc::Slice slices[3];
  std::size_t count = 0;
  if (header.size() > 0) slices[count++] = header;
  if (id_size > 0) slices[count++] = grpc::Slice(id_bytes, id_size);  // small: stored inline, no allocation
  if (events.size() > 0) slices[count++] = events;
  return grpc::ByteBuffer(slices, count);
}

grpc::ByteBuffer WatchEncoder::serialize(const pb::WatchResponse& response) {
  grpc::Slice slice = serialized_slice(response);
  if (slice.size() == 0) return grpc::ByteBuffer(&slice, 0);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace k3s::kine::grpcserver
