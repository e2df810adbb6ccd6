// WatchEncoder: a response assembled from shared parts is byte for byte the serialized
// WatchResponse, and watches handed the same event list share its encoded bytes.
#include <gtest/gtest.h>

#include <grpcpp/grpcpp.h>

#include "etcd_proto.h"
#include "watch_encoder.h"

namespace k3s::kine::grpcserver {
namespace {

namespace pb = ::etcdserverpb;

std::string bytes_of(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string out;
  for (const auto& slice : slices) out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  return out;
}

// What serializing the whole message gives: the reference.
std::string expected(const MemberIdentity& identity, int64_t watch_id, const WatchBatch& batch) {
  pb::WatchResponse response;
  identity.fill(response.mutable_header(), batch.revision);
  response.set_watch_id(watch_id);
  for (const auto& event : batch.events) etcdpb::to_proto(event, response.add_events());
  return response.SerializeAsString();
}

Event put_event(const std::string& key, const std::string& value, int64_t revision, bool with_prev) {
  Event e;
  e.kv.key = key;
  e.kv.value = value;
  e.kv.create_revision = 3;
  e.kv.mod_revision = revision;
  e.kv.version = 7;
  e.kv.lease = 0x1234567890;
  if (with_prev) {
    e.prev_kv = e.kv;
    e.prev_kv->value = "before";
  }
  return e;
}

MemberIdentity identity() { return MemberIdentity::for_listen_address("127.0.0.1:2379", false); }

TEST(WatchEncoder, MatchesWholeMessageSerialization) {
  MemberIdentity id = identity();
  WatchEncoder encoder(id);
  Event deletion;
  deletion.type = Event::Type::del;
  deletion.kv.key = "/gone";
  deletion.kv.mod_revision = 41;
  deletion.prev_kv = put_event("/gone", "last", 40, false).kv;

  std::vector<WatchBatch> batches(4);
  batches[0].revision = 40;
  batches[0].events = std::vector<Event>{put_event("/a", std::string(300, 'x'), 40, false)};
  batches[1].revision = 42;
  batches[1].events = std::vector<Event>{put_event("/b", "v", 41, true), deletion};
  batches[2].revision = 43;  // a progress notification: no events
  batches[3].revision = 1;
  batches[3].events = std::vector<Event>{put_event("/big", std::string(100000, 'y'), 1, false)};
  for (int64_t watch_id : {int64_t{0}, int64_t{1}, int64_t{127}, int64_t{128}, int64_t{1} << 40, int64_t{-1}}) {
    for (const auto& batch : batches) {
      EXPECT_EQ(bytes_of(encoder.encode(watch_id, batch)), expected(id, watch_id, batch))
          << "watch " << watch_id << " revision " << batch.revision;
    }
  }
}

TEST(WatchEncoder, SharedListIsEncodedOnce) {
  MemberIdentity id = identity();
  WatchEncoder encoder(id);
  WatchBatch first;
  first.revision = 9;
  // Large enough to be sent as shared slices rather than copied per watch.
  first.events = std::vector<Event>{put_event("/k", std::string(5000, 'v'), 9, false)};
  WatchBatch second = first;  // another watch handed the same list

  auto one = encoder.encode(1, first), two = encoder.encode(2, second);
  std::vector<grpc::Slice> a, b;
  ASSERT_TRUE(one.Dump(&a).ok());
  ASSERT_TRUE(two.Dump(&b).ok());
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(a[0].begin(), b[0].begin());  // the header bytes
  EXPECT_EQ(a[2].begin(), b[2].begin());  // the events bytes
  EXPECT_EQ(bytes_of(two), expected(id, 2, second));

  // Same list at another revision: new header, and still the right bytes.
  WatchBatch later = first;
  later.revision = 10;
  EXPECT_EQ(bytes_of(encoder.encode(3, later)), expected(id, 3, later));

  // A small response is one slice of its own.
  WatchBatch small;
  small.revision = 11;
  small.events = std::vector<Event>{put_event("/k", "v", 11, false)};
  WatchBatch small_copy = small;
  std::vector<grpc::Slice> s1, s2;
  ASSERT_TRUE(encoder.encode(4, small).Dump(&s1).ok());
  ASSERT_TRUE(encoder.encode(5, small_copy).Dump(&s2).ok());
  ASSERT_EQ(s1.size(), 1u);
  ASSERT_EQ(s2.size(), 1u);
  EXPECT_NE(s1[0].begin(), s2[0].begin());
  EXPECT_EQ(bytes_of(encoder.encode(5, small_copy)), expected(id, 5, small_copy));
}

TEST(WatchEncoder, SerializeIsTheWholeMessage) {
  pb::WatchResponse created;
  identity().fill(created.mutable_header(), 5);
  created.set_watch_id(3);
  created.set_created(true);
  EXPECT_EQ(bytes_of(WatchEncoder::serialize(created)), created.SerializeAsString());
  EXPECT_EQ(bytes_of(WatchEncoder::serialize(pb::WatchResponse())), "");
}

}  // namespace
}  // namespace k3s::kine::grpcserver
