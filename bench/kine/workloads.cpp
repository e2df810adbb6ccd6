#include "workloads.h"

#include <atomic>
#include <cstdio>
#include <thread>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "latency_recorder.h"
#include "watch_fanout.h"

namespace k3s::bench {

namespace pb = ::etcdserverpb;
using Clock = std::chrono::steady_clock;

namespace {

std::string numbered(const std::string& prefix, int64_t n) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%010lld", static_cast<long long>(n));
  return prefix + digits;
}

std::string prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    if (static_cast<unsigned char>(prefix.back()) < 0xff) {
      prefix.back() = static_cast<char>(prefix.back() + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');
}

int64_t now_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(); }

}  // namespace

Workloads::Workloads(const BenchOptions& options) : options_(options) {
  int connections = options_.connections > 0 ? options_.connections : std::max(1, options_.concurrency);
  for (int i = 0; i < connections; ++i) {
    grpc::ChannelArguments args;
    // Each channel gets its own TCP connection, as separate clients would.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(-1);
    channels_.push_back(grpc::CreateCustomChannel(options_.endpoint, grpc::InsecureChannelCredentials(), args));
  }
  // Connected before any clock starts: a call on a channel still connecting (or backing off
  // after a refused first attempt) fails at once, and would count as an error of the workload.
  auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(10);
  for (auto& channel : channels_) {
    if (!channel->WaitForConnected(deadline)) {
      std::fprintf(stderr, "kine-bench: no connection to %s within 10 s\n", options_.endpoint.c_str());
      break;
    }
  }
}

std::shared_ptr<grpc::Channel> Workloads::channel(int index) { return channels_[index % channels_.size()]; }

template <class Op>
WorkloadResult Workloads::run_parallel(const std::string& name, Op&& op) {
  LatencyRecorder latencies;
  std::atomic<int64_t> next{0}, errors{0};
  auto started = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < options_.concurrency; ++t) {
    threads.emplace_back([&, t] {
      auto kv = pb::KV::NewStub(channel(t));
      std::vector<int64_t> mine;
      for (int64_t i = next++; i < options_.total; i = next++) {
        auto begin = Clock::now();
        bool ok = op(*kv, t, i);
        if (!ok) ++errors;
        mine.push_back((Clock::now() - begin).count());
      }
      latencies.add_all(mine);
    });
  }
  for (auto& thread : threads) thread.join();
  WorkloadResult result;
  result.name = name;
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  result.operations = options_.total - errors.load();
  result.errors = errors.load();
  result.p50_ms = latencies.quantile_ms(0.50);
  result.p99_ms = latencies.quantile_ms(0.99);
  return result;
}

WorkloadResult Workloads::put() {
  std::string value(options_.value_size, 'v');
  return run_parallel("put", [&](pb::KV::Stub& kv, int, int64_t i) {
    pb::PutRequest request;
    request.set_key(numbered(options_.prefix + "k/", i));
    request.set_value(value);
    pb::PutResponse response;
    grpc::ClientContext context;
    return kv.Put(&context, request, &response).ok();
  });
}

WorkloadResult Workloads::get() {
  return run_parallel("get", [&](pb::KV::Stub& kv, int, int64_t i) {
    pb::RangeRequest request;
    request.set_key(numbered(options_.prefix + "k/", (i * 7919) % options_.total));
    pb::RangeResponse response;
    grpc::ClientContext context;
    return kv.Range(&context, request, &response).ok() && response.kvs_size() == 1;
  });
}

WorkloadResult Workloads::range() {
  auto kv = pb::KV::NewStub(channel(0));
  std::string value(options_.value_size, 'r');
  std::string prefix = options_.prefix + "r/";
  for (int i = 0; i < options_.range_keys; ++i) {
    pb::PutRequest request;
    request.set_key(numbered(prefix, i));
    request.set_value(value);
    pb::PutResponse response;
    grpc::ClientContext context;
    kv->Put(&context, request, &response);
  }
  std::string end = prefix_end(prefix);
  return run_parallel("range", [&](pb::KV::Stub& stub, int, int64_t) {
    pb::RangeRequest request;
    request.set_key(prefix);
    request.set_range_end(end);
    pb::RangeResponse response;
    grpc::ClientContext context;
    return stub.Range(&context, request, &response).ok() && response.kvs_size() == options_.range_keys;
  });
}

WorkloadResult Workloads::txn() {
  // Each thread owns one key and updates it only if nobody changed it since it last saw it.
  std::vector<int64_t> last_seen(options_.concurrency, 0);
  std::string value(options_.value_size, 't');
  return run_parallel("txn", [&](pb::KV::Stub& kv, int thread, int64_t) {
    pb::TxnRequest request;
    auto* compare = request.add_compare();
    std::string key = numbered(options_.prefix + "t/", thread);
    compare->set_key(key);
    compare->set_target(pb::Compare::MOD);
    compare->set_result(pb::Compare::EQUAL);
    compare->set_mod_revision(last_seen[thread]);
    auto* put = request.add_success()->mutable_request_put();
    put->set_key(key);
    put->set_value(value);
    request.add_failure()->mutable_request_range()->set_key(key);
    pb::TxnResponse response;
    grpc::ClientContext context;
    if (!kv.Txn(&context, request, &response).ok()) return false;
    if (response.succeeded()) {
      last_seen[thread] = response.header().revision();
    } else if (response.responses_size() == 1 && response.responses(0).response_range().kvs_size() == 1) {
      last_seen[thread] = response.responses(0).response_range().kvs(0).mod_revision();
    }
    return response.succeeded();
  });
}

WorkloadResult Workloads::watch() {
  const std::string key = options_.prefix + "w";
  const int streams = std::max(1, std::min(options_.watch_streams, options_.watchers));
  const int64_t expected = static_cast<int64_t>(options_.watchers) * options_.watch_events;
  std::vector<std::shared_ptr<grpc::Channel>> stream_channels;
  for (int s = 0; s < streams; ++s) stream_channels.push_back(channel(s));
  WatchFanout fanout(stream_channels, key, options_.watchers, options_.watch_events, options_.watch_threads);
  if (!fanout.wait_created(Clock::now() + std::chrono::seconds(60))) {
    std::fprintf(stderr, "kine-bench: not every watch was created\n");
  }

  auto kv = pb::KV::NewStub(channel(0));
  auto interval = std::chrono::nanoseconds(1'000'000'000LL / std::max(1, options_.watch_rate));
  int64_t first_write = now_ns();
  auto next_write = Clock::now();
  for (int i = 0; i < options_.watch_events; ++i) {
    std::this_thread::sleep_until(next_write);
    next_write += interval;
    pb::PutRequest request;
    request.set_key(key);
    request.set_value(std::to_string(now_ns()));
    pb::PutResponse response;
    grpc::ClientContext context;
    kv->Put(&context, request, &response);
  }
  // Deliveries still missing after a generous grace period count as errors.
  fanout.finish(Clock::now() + std::chrono::seconds(30));

  WorkloadResult result;
  result.name = "watch";
  result.operations = fanout.delivered();
  result.errors = expected - fanout.delivered();
  result.seconds = (std::max(fanout.last_delivery_ns(), first_write) - first_write) / 1e9;
  result.p50_ms = fanout.latencies().quantile_ms(0.50);
  result.p99_ms = fanout.latencies().quantile_ms(0.99);
  return result;
}

}  // namespace k3s::bench
