// The etcd v3 gRPC server over a real SQLite-backed Store, driven by a gRPC client:
// watch stream multiplexing, fragmentation, progress, error mapping, unix sockets.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "kine/server.h"
#include "kine/store.h"

namespace k3s::kine {
namespace {

namespace pb = ::etcdserverpb;
using namespace std::chrono_literals;

class EtcdServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/k3s-kine-grpc-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    StoreConfig config;
    config.endpoint = "sqlite://" + dir_ + "/state.db";
    config.compact_interval_seconds = 0;
    store_ = open_store(config);
    EtcdServerOptions options;
    options.listen_address = "unix://" + dir_ + "/kine.sock";
    server_ = serve_etcd_api(*store_, options);
    channel_ = grpc::CreateChannel("unix://" + dir_ + "/kine.sock", grpc::InsecureChannelCredentials());
    kv_ = pb::KV::NewStub(channel_);
    watch_ = pb::Watch::NewStub(channel_);
    lease_ = pb::Lease::NewStub(channel_);
  }
  void TearDown() override {
    server_->shutdown();
    server_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  int64_t put(const std::string& key, const std::string& value) {
    pb::PutRequest request;
    request.set_key(key);
    request.set_value(value);
    pb::PutResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(kv_->Put(&context, request, &response).ok());
    return response.header().revision();
  }

  // Reads the next watch response, failing the test instead of hanging.
  using Stream = grpc::ClientReaderWriter<pb::WatchRequest, pb::WatchResponse>;
  static pb::WatchResponse next(Stream& stream) {
    pb::WatchResponse response;
    EXPECT_TRUE(stream.Read(&response));
    return response;
  }
  static pb::WatchRequest create(const std::string& key, int64_t id = 0, bool fragment = false) {
    pb::WatchRequest request;
    request.mutable_create_request()->set_key(key);
    request.mutable_create_request()->set_watch_id(id);
    request.mutable_create_request()->set_fragment(fragment);
    return request;
  }
  static std::unique_ptr<grpc::ClientContext> deadline_context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + 30s);
    return context;
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<EtcdServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::KV::Stub> kv_;
  std::unique_ptr<pb::Watch::Stub> watch_;
  std::unique_ptr<pb::Lease::Stub> lease_;
};

TEST_F(EtcdServerTest, SeveralWatchesShareOneStreamAndCancelIndependently) {
  auto context = deadline_context();
  auto stream = watch_->Watch(context.get());
  ASSERT_TRUE(stream->Write(create("/a")));
  auto first = next(*stream);
  ASSERT_TRUE(stream->Write(create("/b")));
  auto second = next(*stream);
  EXPECT_TRUE(first.created());
  EXPECT_TRUE(second.created());
  EXPECT_EQ(first.watch_id(), 0);
  EXPECT_EQ(second.watch_id(), 1);

  int64_t rev_b = put("/b", "1");
  auto event_b = next(*stream);
  EXPECT_EQ(event_b.watch_id(), 1);
  ASSERT_EQ(event_b.events_size(), 1);
  EXPECT_EQ(event_b.events(0).kv().key(), "/b");
  EXPECT_EQ(event_b.events(0).kv().mod_revision(), rev_b);

  pb::WatchRequest cancel;
  cancel.mutable_cancel_request()->set_watch_id(1);
  ASSERT_TRUE(stream->Write(cancel));
  auto canceled = next(*stream);
  EXPECT_TRUE(canceled.canceled());
  EXPECT_EQ(canceled.watch_id(), 1);

  put("/b", "2");
  put("/a", "1");
  auto event_a = next(*stream);
  EXPECT_EQ(event_a.watch_id(), 0) << "the canceled watch sent nothing more";
  ASSERT_EQ(event_a.events_size(), 1);
  EXPECT_EQ(event_a.events(0).kv().key(), "/a");

  ASSERT_TRUE(stream->Write(create("/c", 7)));
  EXPECT_EQ(next(*stream).watch_id(), 7);
  ASSERT_TRUE(stream->Write(create("/c", 7)));
  auto duplicate = next(*stream);
  EXPECT_TRUE(duplicate.created());
  EXPECT_TRUE(duplicate.canceled());
  EXPECT_EQ(duplicate.watch_id(), -1);
  context->TryCancel();
}

TEST_F(EtcdServerTest, ClientsThatStopReadingDoNotHoldUpOtherWatches) {
  // Two streams on a connection of their own fill their flow-control windows and stop
  // reading, so each is left with a write that never completes: as many as the streams
  // that may write at once. A watch on another stream still gets its events.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // Small flow-control windows that do not grow, so a few responses fill them.
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 16 * 1024);
  auto stalled_channel =
      grpc::CreateCustomChannel("unix://" + dir_ + "/kine.sock", grpc::InsecureChannelCredentials(), args);
  auto stalled_stub = pb::Watch::NewStub(stalled_channel);
  std::vector<std::unique_ptr<grpc::ClientContext>> stalled_contexts;
  std::vector<std::unique_ptr<Stream>> stalled;
  for (int i = 0; i < 2; ++i) {
    // Outlives the other stream's deadline, so only the server can end the wait.
    stalled_contexts.push_back(std::make_unique<grpc::ClientContext>());
    stalled_contexts.back()->set_deadline(std::chrono::system_clock::now() + 120s);
    stalled.push_back(stalled_stub->Watch(stalled_contexts.back().get()));
    ASSERT_TRUE(stalled.back()->Write(create("/big")));
    ASSERT_TRUE(next(*stalled.back()).created());
  }
  const std::string large(512 * 1024, 'x');
  for (int i = 0; i < 8; ++i) put("/big", large);

  auto context = deadline_context();
  auto stream = watch_->Watch(context.get());
  ASSERT_TRUE(stream->Write(create("/small")));
  ASSERT_TRUE(next(*stream).created());
  int64_t revision = put("/small", "v");
  auto event = next(*stream);
  ASSERT_EQ(event.events_size(), 1);
  EXPECT_EQ(event.events(0).kv().mod_revision(), revision);

  context->TryCancel();
  for (auto& stalled_context : stalled_contexts) stalled_context->TryCancel();
  for (auto& stalled_stream : stalled) stalled_stream->Finish();
}

TEST_F(EtcdServerTest, ProgressRequestReportsEachWatchAtTheCurrentRevision) {
  auto context = deadline_context();
  auto stream = watch_->Watch(context.get());
  pb::WatchRequest progress;
  progress.mutable_progress_request();
  int64_t rev = put("/other", "x");
  ASSERT_TRUE(stream->Write(progress));
  auto empty_stream = next(*stream);
  EXPECT_EQ(empty_stream.watch_id(), -1);
  EXPECT_EQ(empty_stream.header().revision(), rev);

  ASSERT_TRUE(stream->Write(create("/p")));
  ASSERT_TRUE(next(*stream).created());
  rev = put("/other", "y");
  ASSERT_TRUE(stream->Write(progress));
  auto report = next(*stream);
  EXPECT_EQ(report.watch_id(), 0);
  EXPECT_EQ(report.events_size(), 0);
  EXPECT_GE(report.header().revision(), rev);
  context->TryCancel();
}

TEST_F(EtcdServerTest, LargeBatchIsFragmentedWhenTheClientAllowsIt) {
  auto context = deadline_context();
  auto stream = watch_->Watch(context.get());
  pb::WatchRequest request = create("/f/", 0, true);
  request.mutable_create_request()->set_range_end("/f0");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(next(*stream).created());

  pb::TxnRequest txn;
  for (int i = 0; i < 3; ++i) {
    auto* p = txn.add_success()->mutable_request_put();
    p->set_key("/f/" + std::to_string(i));
    p->set_value(std::string(1024 * 1024, 'a' + i));
  }
  pb::TxnResponse txn_response;
  grpc::ClientContext txn_context;
  ASSERT_TRUE(kv_->Txn(&txn_context, txn, &txn_response).ok());

  int events = 0, responses = 0;
  while (events < 3) {
    auto response = next(*stream);
    ++responses;
    events += response.events_size();
    EXPECT_EQ(response.fragment(), events < 3) << "every fragment but the last is flagged";
    if (response.events_size() == 0) break;
  }
  EXPECT_EQ(events, 3);
  EXPECT_GT(responses, 1);
  context->TryCancel();
}

TEST_F(EtcdServerTest, CompactedStartRevisionCancelsTheWatchWithTheCompactRevision) {
  int64_t first = put("/k", "1");
  put("/k", "2");
  int64_t last = put("/k", "3");
  pb::CompactionRequest compact;
  compact.set_revision(last);
  pb::CompactionResponse compacted;
  grpc::ClientContext compact_context;
  ASSERT_TRUE(kv_->Compact(&compact_context, compact, &compacted).ok());

  auto context = deadline_context();
  auto stream = watch_->Watch(context.get());
  pb::WatchRequest request = create("/k");
  request.mutable_create_request()->set_start_revision(first);
  ASSERT_TRUE(stream->Write(request));
  pb::WatchResponse response = next(*stream);
  if (response.created() && !response.canceled()) response = next(*stream);
  EXPECT_TRUE(response.canceled());
  EXPECT_EQ(response.compact_revision(), last);
  context->TryCancel();
}

TEST_F(EtcdServerTest, ErrorsUseEtcdCodesAndMessages) {
  {
    pb::PutRequest request;
    pb::PutResponse response;
    grpc::ClientContext context;
    auto status = kv_->Put(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "etcdserver: key is not provided");
  }
  {
    pb::RangeRequest request;
    request.set_key("/x");
    request.set_revision(store_->current_revision() + 100);
    pb::RangeResponse response;
    grpc::ClientContext context;
    auto status = kv_->Range(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(status.error_message(), "etcdserver: mvcc: required revision is a future revision");
  }
  {
    pb::PutRequest request;
    request.set_key("/big");
    request.set_value(std::string(kMaxValueBytes + 1, 'x'));
    pb::PutResponse response;
    grpc::ClientContext context;
    auto status = kv_->Put(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "etcdserver: request is too large");
  }
  {
    pb::LeaseRevokeRequest request;
    request.set_id(123456789);
    pb::LeaseRevokeResponse response;
    grpc::ClientContext context;
    auto status = lease_->LeaseRevoke(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(status.error_message(), "etcdserver: requested lease not found");
  }
  {
    pb::LeaseTimeToLiveRequest request;
    request.set_id(123456789);
    pb::LeaseTimeToLiveResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(lease_->LeaseTimeToLive(&context, request, &response).ok());
    EXPECT_EQ(response.ttl(), -1) << "etcd reports an unknown lease as TTL -1";
  }
}

TEST_F(EtcdServerTest, RangeSortsAndFiltersLikeEtcd) {
  put("/s/a", "3");
  put("/s/b", "1");
  int64_t rev_c = put("/s/c", "2");
  pb::RangeRequest request;
  request.set_key("/s/");
  request.set_range_end("/s0");
  request.set_sort_target(pb::RangeRequest::VALUE);
  request.set_sort_order(pb::RangeRequest::DESCEND);
  request.set_limit(2);
  pb::RangeResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(kv_->Range(&context, request, &response).ok());
  ASSERT_EQ(response.kvs_size(), 2);
  EXPECT_EQ(response.kvs(0).key(), "/s/a");
  EXPECT_EQ(response.kvs(1).key(), "/s/c");
  EXPECT_TRUE(response.more());
  EXPECT_EQ(response.count(), 3);

  request.set_limit(0);
  request.set_min_mod_revision(rev_c);
  pb::RangeResponse filtered;
  grpc::ClientContext context2;
  ASSERT_TRUE(kv_->Range(&context2, request, &filtered).ok());
  ASSERT_EQ(filtered.kvs_size(), 1);
  EXPECT_EQ(filtered.kvs(0).key(), "/s/c");
}

TEST(EtcdServerListen, UnusableAddressIsAClearError) {
  StoreConfig config;
  char pattern[] = "/tmp/k3s-kine-grpc-XXXXXX";
  std::string dir = ::mkdtemp(pattern);
  config.endpoint = "sqlite://" + dir + "/state.db";
  auto store = open_store(config);
  EtcdServerOptions options;
  options.listen_address = "256.1.1.1:1";
  EXPECT_THROW(serve_etcd_api(*store, options), std::runtime_error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace k3s::kine
