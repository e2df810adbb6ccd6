// The benchmark's workloads, each speaking the etcd v3 gRPC API to one endpoint.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

namespace k3s::bench {

struct BenchOptions {
  std::string endpoint = "127.0.0.1:2379";  // host:port or unix:///path
  int concurrency = 16;       // client threads for put/get/range/txn
  int connections = 0;        // gRPC connections shared by the threads (0 = one per thread)
  int64_t total = 10000;      // operations per workload
  int value_size = 256;
  int range_keys = 100;       // keys returned by each prefix range
  int watchers = 1000;
  int watch_streams = 50;     // watch streams the watchers are spread over
  int watch_events = 200;     // writes observed by every watcher
  int watch_rate = 50;        // writes per second during the watch workload
  int watch_threads = 2;      // threads receiving every watch stream's responses
  std::string prefix = "/kine-bench/";
};

struct WorkloadResult {
  std::string name;
  int64_t operations = 0;
  int64_t errors = 0;
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0;
  double ops_per_second() const { return seconds > 0 ? operations / seconds : 0; }
};

class Workloads {
 public:
  explicit Workloads(const BenchOptions& options);
  WorkloadResult put();
  WorkloadResult get();    // point reads of keys written by put()
  WorkloadResult range();  // prefix ranges of range_keys keys
  WorkloadResult txn();    // compare-and-swap on mod_revision, one key per thread
  WorkloadResult watch();  // fan-out: delivery latency from put to every watcher

 private:
  std::shared_ptr<grpc::Channel> channel(int index);
  template <class Op>
  WorkloadResult run_parallel(const std::string& name, Op&& op);

  BenchOptions options_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
};

}  // namespace k3s::bench
