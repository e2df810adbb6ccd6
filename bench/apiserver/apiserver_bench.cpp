// API server benchmark, four workloads against one server (issue #3's targets):
//   creates  N clients creating ConfigMaps for D seconds          -> creates/s, p50/p99
//   gets     N clients reading them back at random for D seconds  -> GETs/s, p50/p99
//   list     P pods created (never scheduled), then full lists     -> ms per list (median of --lists, 5)
//   watch    W watchers on one namespace, E ConfigMap updates      -> delivery latency p50/p99
// Each client thread owns its own API client (and connection), as separate processes would.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "client/client.h"
#include "client/kubeconfig.h"
#include "latency_recorder.h"

using namespace k3s;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const client::GroupVersionResource kConfigMaps{"", "v1", "configmaps"};
const client::GroupVersionResource kPods{"", "v1", "pods"};
const client::GroupVersionResource kNamespaces{"", "v1", "namespaces"};

client::RestConfig unlimited(client::RestConfig config) {
  config.qps = 0;  // the client-side limiter would measure itself
  return config;
}

void ensure_namespace(client::Client& api, const std::string& name) {
  try {
    api.create(kNamespaces, {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
  } catch (const client::ApiError& e) {
    if (e.code() != 409) throw;
  }
}

void report(const char* what, std::size_t count, double seconds, bench::LatencyRecorder& latency) {
  std::printf("%-8s %8zu ops in %5.1f s = %8.0f ops/s   p50 %6.2f ms   p99 %6.2f ms\n", what, count, seconds,
              count / seconds, latency.quantile_ms(0.5), latency.quantile_ms(0.99));
}

// Runs `op(thread, i)` on `clients` threads for `seconds`; returns the number of operations.
template <typename Op>
std::size_t run_for(int clients, int seconds, bench::LatencyRecorder& latency, Op op) {
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      std::vector<int64_t> samples;
      for (std::size_t i = 0; !stop; ++i) {
        const auto start = Clock::now();
        op(t, i);
        samples.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
      }
      done += samples.size();
      latency.add_all(samples);
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& th : threads) th.join();
  return done;
}

Json config_map(const std::string& name, const std::string& value) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"v", value}}}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"API server benchmark"};
  std::string kubeconfig;
  int clients = 16, seconds = 10, pods = 10000, watchers = 500, events = 100, lists = 5;
  std::vector<std::string> phases = {"create", "get", "list", "watch"};
  app.add_option("--kubeconfig", kubeconfig, "admin kubeconfig of the server")->required();
  app.add_option("--clients", clients, "concurrent clients");
  app.add_option("--seconds", seconds, "duration of the create and get phases");
  app.add_option("--pods", pods, "pods for the list phase");
  app.add_option("--watchers", watchers, "watchers for the watch phase");
  app.add_option("--events", events, "updates observed by every watcher");
  app.add_option("--lists", lists, "lists timed each way (decoded, as bytes) in the list phase")
      ->check(CLI::PositiveNumber);
  app.add_option("--phases", phases, "phases to run (comma-separated), always in the order create,get,list,watch")
      ->delimiter(',')
      ->check(CLI::IsMember({"create", "get", "list", "watch"}));
  CLI11_PARSE(app, argc, argv);
  auto wanted = [&](const char* phase) { return std::find(phases.begin(), phases.end(), phase) != phases.end(); };

  client::LoadingRules rules;
  rules.explicit_path = kubeconfig;
  const client::RestConfig config = unlimited(client::build_config(rules));
  client::Client admin(config);
  for (const char* ns : {"bench", "bench-list", "bench-watch"}) ensure_namespace(admin, ns);

  // ---- creates, then gets of what was created ----
  std::vector<std::unique_ptr<client::Client>> apis;
  for (int t = 0; t < clients; ++t) apis.push_back(std::make_unique<client::Client>(config));
  std::vector<std::atomic<std::size_t>> created(clients);
  if (wanted("create")) {
    bench::LatencyRecorder create_latency;
    const auto create_start = Clock::now();
    std::size_t creates = run_for(clients, seconds, create_latency, [&](int t, std::size_t i) {
      Json cm = config_map("cm-" + std::to_string(t) + "-" + std::to_string(i), "x");
      cm["metadata"]["namespace"] = "bench";
      apis[t]->create(kConfigMaps, cm);
      created[t] = i + 1;
    });
    report("create", creates, std::chrono::duration<double>(Clock::now() - create_start).count(), create_latency);

  }
  if (wanted("get")) {
    bench::LatencyRecorder get_latency;
    const auto get_start = Clock::now();
    std::size_t gets = run_for(clients, seconds, get_latency, [&](int t, std::size_t i) {
      thread_local std::mt19937_64 rng(static_cast<unsigned>(t) * 7919 + 1);
      const int owner = static_cast<int>(rng() % clients);
      const std::size_t n = created[owner];
      if (n == 0) return;
      apis[t]->get(kConfigMaps, "bench", "cm-" + std::to_string(owner) + "-" + std::to_string(rng() % n));
      (void)i;
    });
    report("get", gets, std::chrono::duration<double>(Clock::now() - get_start).count(), get_latency);

  }

  if (wanted("list")) {
    // ---- list of many pods ----
    std::atomic<int> next_pod{0};
    std::vector<std::thread> makers;
    for (int t = 0; t < clients; ++t) {
      makers.emplace_back([&, t] {
        for (int i = next_pod++; i < pods; i = next_pod++) {
          Json pod = {{"apiVersion", "v1"},
                      {"kind", "Pod"},
                      {"metadata", {{"name", "p-" + std::to_string(i)}, {"namespace", "bench-list"}, {"labels", {{"app", "bench"}}}}},
                      {"spec",
                       {{"schedulerName", "bench-none"},  // nobody schedules them: the list is all that runs
                        {"automountServiceAccountToken", false},
                        {"containers", Json::array({{{"name", "c"}, {"image", "busybox"}}})}}}};
          apis[t]->create(kPods, pod);
        }
      });
    }
    for (auto& th : makers) th.join();
    std::vector<double> list_ms;
    std::size_t listed = 0;
    for (int i = 0; i < lists; ++i) {
      const auto start = Clock::now();
      listed = admin.list(kPods, "bench-list").value("items", Json::array()).size();
      list_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(list_ms.begin(), list_ms.end());
    std::printf("list     %zu pods: median %.1f ms (min %.1f, max %.1f) over %d lists, decode included\n", listed,
                list_ms[list_ms.size() / 2], list_ms.front(), list_ms.back(), lists);
    // The same lists read as bytes: what the server and the transport take, without the
    // client's JSON decoding.
    std::vector<double> raw_ms;
    std::size_t bytes = 0;
    for (int i = 0; i < lists; ++i) {
      const auto start = Clock::now();
      bytes = admin.raw("GET", "/api/v1/namespaces/bench-list/pods").body.size();
      raw_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(raw_ms.begin(), raw_ms.end());
    std::printf("list     %zu pods as bytes (%.1f MB): median %.1f ms (min %.1f, max %.1f) over %d lists\n", listed,
                bytes / 1e6, raw_ms[raw_ms.size() / 2], raw_ms.front(), raw_ms.back(), lists);

  }

  if (wanted("watch")) {
    // ---- watch fan-out ----
    admin.create(kConfigMaps, [] {
      Json cm = config_map("ticker", "0");
      cm["metadata"]["namespace"] = "bench-watch";
      return cm;
    }());
    bench::LatencyRecorder watch_latency;
    std::atomic<int> ready{0};
    std::vector<std::thread> watching;
    std::vector<std::unique_ptr<client::Client>> watch_clients;
    for (int w = 0; w < watchers; ++w) watch_clients.push_back(std::make_unique<client::Client>(config));
    const std::string rv = admin.get(kConfigMaps, "bench-watch", "ticker")["metadata"].value("resourceVersion", "");
    for (int w = 0; w < watchers; ++w) {
      watching.emplace_back([&, w] {
        client::ListOptions options;
        options.resource_version = rv;
        auto watch = watch_clients[w]->watch(kConfigMaps, "bench-watch", options);
        ++ready;
        std::vector<int64_t> samples;
        while (static_cast<int>(samples.size()) < events) {
          auto ev = watch->next();
          if (!ev) break;
          if (ev->type != client::WatchEvent::Type::modified) continue;
          const int64_t sent = std::stoll(ev->object["data"].value("v", "0"));
          const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
          samples.push_back(now - sent);
        }
        watch_latency.add_all(samples);
      });
    }
    while (ready < watchers) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    for (int e = 0; e < events; ++e) {
      const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
      admin.patch(kConfigMaps, "bench-watch", "ticker", client::PatchType::merge, Json{{"data", {{"v", std::to_string(now)}}}});
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    for (auto& th : watching) th.join();
    std::printf("watch    %d watchers x %d updates: %zu deliveries   p50 %6.2f ms   p99 %6.2f ms\n", watchers, events,
                watch_latency.count(), watch_latency.quantile_ms(0.5), watch_latency.quantile_ms(0.99));
  }
  return 0;
}
