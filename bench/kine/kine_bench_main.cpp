// kine-bench: etcd v3 API benchmark for any endpoint (real etcd, `k3s kine`, kine.sock).
//   kine-bench --endpoint 127.0.0.1:2379 --concurrency 16 --total 10000 --workloads put,get,range,txn,watch
// Prints one "RESULT" line per workload (for scripts) and a markdown table.
#include <cstdio>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "workloads.h"

int main(int argc, char** argv) {
  k3s::bench::BenchOptions options;
  std::string workloads = "put,get,range,txn,watch";
  std::string label;
  CLI::App app{"etcd v3 API benchmark: puts, point gets, prefix ranges, txns, watch fan-out"};
  app.add_option("--endpoint", options.endpoint, "host:port or unix:///path")->capture_default_str();
  app.add_option("--concurrency", options.concurrency, "client threads")->capture_default_str()->check(CLI::Range(1, 1024));
  app.add_option("--connections", options.connections, "gRPC connections (0 = one per thread)")->capture_default_str();
  app.add_option("--total", options.total, "operations per workload")->capture_default_str()->check(CLI::Range(1, 100000000));
  app.add_option("--value-size", options.value_size, "bytes per value")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  app.add_option("--range-keys", options.range_keys, "keys per prefix range")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--watchers", options.watchers, "watchers for the watch workload")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--watch-streams", options.watch_streams, "streams the watchers share")->capture_default_str()->check(CLI::Range(1, 10000));
  app.add_option("--watch-events", options.watch_events, "writes each watcher must see")->capture_default_str()->check(CLI::Range(1, 1000000));
  app.add_option("--watch-rate", options.watch_rate, "writes per second while watching")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--watch-threads", options.watch_threads, "threads receiving the watch responses")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--prefix", options.prefix, "key prefix")->capture_default_str();
  app.add_option("--workloads", workloads, "comma-separated: put,get,range,txn,watch")->capture_default_str();
  app.add_option("--label", label, "name printed in the RESULT lines (e.g. the backend)");
  CLI11_PARSE(app, argc, argv);

  k3s::bench::Workloads bench(options);
  std::vector<k3s::bench::WorkloadResult> results;
  std::stringstream list(workloads);
  std::string name;
  while (std::getline(list, name, ',')) {
    k3s::bench::WorkloadResult result;
    if (name == "put") result = bench.put();
    else if (name == "get") result = bench.get();
    else if (name == "range") result = bench.range();
    else if (name == "txn") result = bench.txn();
    else if (name == "watch") result = bench.watch();
    else {
      std::cerr << "kine-bench: unknown workload \"" << name << "\" (put, get, range, txn, watch)\n";
      return 2;
    }
    std::printf("RESULT label=%s workload=%s ops=%lld errors=%lld seconds=%.3f ops_per_sec=%.1f p50_ms=%.3f p99_ms=%.3f\n",
                label.empty() ? options.endpoint.c_str() : label.c_str(), result.name.c_str(),
                static_cast<long long>(result.operations), static_cast<long long>(result.errors), result.seconds,
                result.ops_per_second(), result.p50_ms, result.p99_ms);
    std::fflush(stdout);
    results.push_back(result);
  }
  std::printf("\n| workload | ops | errors | ops/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|\n");
  for (const auto& r : results) {
    std::printf("| %s | %lld | %lld | %.0f | %.2f | %.2f |\n", r.name.c_str(), static_cast<long long>(r.operations),
                static_cast<long long>(r.errors), r.ops_per_second(), r.p50_ms, r.p99_ms);
  }
  int64_t errors = 0;
  for (const auto& r : results) errors += r.errors;
  return errors > 0 ? 1 : 0;
}
