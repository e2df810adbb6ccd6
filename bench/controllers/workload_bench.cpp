// workload-bench: how long the controllers and the scheduler of a running server take to
// turn one Deployment of R replicas into R created and R bound pods, as kube's
// scheduler_perf measures it: Node objects registered through the API with allocatable
// capacity, kept Ready by renewing their Leases in kube-node-lease; no kubelet.
//
// Milestones, measured from the Deployment's create call, from a watch on the pods and a
// poll (every 20 ms) of the Deployment:
//   created   the R-th pod was seen (ADDED)
//   bound     the R-th pod was seen with spec.nodeName
//   status    the Deployment reported status.replicas = R
// With --mark-ready the bench also plays kubelet for every bound pod (a status patch to
// Running/Ready, 8 writers) and waits for status.availableReplicas = R.
//
//   workload-bench --kubeconfig <admin kubeconfig> [--replicas 1000] [--nodes 20] [--mark-ready]
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "client/client.h"
#include "client/kubeconfig.h"

using namespace k3s;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const client::GroupVersionResource kNodes{"", "v1", "nodes"};
const client::GroupVersionResource kLeases{"coordination.k8s.io", "v1", "leases"};
const client::GroupVersionResource kPods{"", "v1", "pods"};
const client::GroupVersionResource kNamespaces{"", "v1", "namespaces"};
const client::GroupVersionResource kDeployments{"apps", "v1", "deployments"};
const char* kNamespace = "bench-workload";

std::string utc_now(bool micro) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (micro) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
    std::snprintf(buf, sizeof buf, ".%06lldZ", static_cast<long long>(us));
    return out + buf;
  }
  return out + "Z";
}

std::string node_name(int i) { return "bench-node-" + std::to_string(i); }

void register_node(client::Client& api, int i) {
  const std::string name = node_name(i);
  api.create(kNodes, {{"apiVersion", "v1"},
                      {"kind", "Node"},
                      {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}, {"kubernetes.io/os", "linux"}}}}},
                      {"spec", Json::object()}});
  const Json resources = {{"cpu", "32"}, {"memory", "128Gi"}, {"pods", "110"}, {"ephemeral-storage", "100Gi"}};
  const std::string now = utc_now(false);
  api.patch(kNodes, "", name, client::PatchType::merge,
            Json{{"status",
                  {{"capacity", resources},
                   {"allocatable", resources},
                   {"conditions", Json::array({{{"type", "Ready"},
                                                {"status", "True"},
                                                {"reason", "KubeletReady"},
                                                {"message", "bench node"},
                                                {"lastHeartbeatTime", now},
                                                {"lastTransitionTime", now}}})}}}},
            client::PatchOptions{.subresource = "status"});
  api.create(kLeases, {{"apiVersion", "coordination.k8s.io/v1"},
                       {"kind", "Lease"},
                       {"metadata", {{"name", name}, {"namespace", "kube-node-lease"}}},
                       {"spec", {{"holderIdentity", name}, {"leaseDurationSeconds", 40}, {"renewTime", utc_now(true)}}}});
}

// Marks bound pods Running and Ready, as a kubelet would report them.
class ReadyMarker {
 public:
  ReadyMarker(const client::RestConfig& config, int writers) {
    for (int w = 0; w < writers; ++w)
      threads_.emplace_back([this, config] {
        client::Client api(config);
        for (;;) {
          std::string name;
          {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
            if (queue_.empty()) return;
            name = queue_.front();
            queue_.pop_front();
          }
          const std::string now = utc_now(false);
          try {
            api.patch(kPods, kNamespace, name, client::PatchType::merge,
                      Json{{"status",
                            {{"phase", "Running"},
                             {"conditions", Json::array({{{"type", "PodScheduled"}, {"status", "True"}, {"lastTransitionTime", now}},
                                                         {{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", now}}})}}}},
                      client::PatchOptions{.subresource = "status"});
          } catch (const std::exception& e) {
            std::fprintf(stderr, "mark %s ready: %s\n", name.c_str(), e.what());
          }
        }
      });
  }
  ~ReadyMarker() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void add(const std::string& name) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(name);
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

double seconds_since(Clock::time_point start, Clock::time_point at) {
  return std::chrono::duration<double>(at - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Deployment scale-out through the controllers and the scheduler"};
  std::string kubeconfig;
  int replicas = 1000, nodes = 20, timeout = 600;
  bool mark_ready = false;
  app.add_option("--kubeconfig", kubeconfig, "admin kubeconfig of the server")->required();
  app.add_option("--replicas", replicas, "replicas of the Deployment");
  app.add_option("--nodes", nodes, "Node objects to register (110 pods each)");
  app.add_option("--timeout", timeout, "seconds before giving up");
  app.add_flag("--mark-ready", mark_ready, "mark bound pods Running/Ready and wait for availableReplicas");
  CLI11_PARSE(app, argc, argv);

  client::LoadingRules rules;
  rules.explicit_path = kubeconfig;
  client::RestConfig config = client::build_config(rules);
  config.qps = 0;  // the client-side limiter would measure itself
  client::Client api(config);
  api.create(kNamespaces, {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kNamespace}}}});
  for (int i = 0; i < nodes; ++i) register_node(api, i);

  // Lease renewals every 10 s keep node-lifecycle from declaring the nodes unreachable.
  std::atomic<bool> done{false};
  std::thread heartbeat([&] {
    client::Client hb(config);
    auto next = Clock::now();
    while (!done) {
      if (Clock::now() >= next) {
        for (int i = 0; i < nodes; ++i) try {
            hb.patch(kLeases, "kube-node-lease", node_name(i), client::PatchType::merge,
                     Json{{"spec", {{"renewTime", utc_now(true)}}}});
          } catch (const std::exception& e) {
            std::fprintf(stderr, "lease %s: %s\n", node_name(i).c_str(), e.what());
          }
        next += std::chrono::seconds(10);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the scheduler's cache sees the nodes

  std::unique_ptr<ReadyMarker> marker;
  if (mark_ready) marker = std::make_unique<ReadyMarker>(config, 8);

  std::mutex mu;
  Clock::time_point start{}, created_at{}, bound_at{};
  std::set<std::string> seen, bound;
  const std::string rv = api.list(kPods, kNamespace)["metadata"].value("resourceVersion", "");
  client::Client watch_api(config);
  auto watch = watch_api.watch(kPods, kNamespace, client::ListOptions{.resource_version = rv});
  std::thread watcher([&] {
    while (auto ev = watch->next()) {
      if (ev->type != client::WatchEvent::Type::added && ev->type != client::WatchEvent::Type::modified) continue;
      const std::string name = ev->object["metadata"].value("name", "");
      const bool has_node = !ev->object.value("spec", Json::object()).value("nodeName", "").empty();
      std::lock_guard lock(mu);
      const auto now = Clock::now();
      if (seen.insert(name).second && static_cast<int>(seen.size()) == replicas) created_at = now;
      if (has_node && bound.insert(name).second) {
        if (static_cast<int>(bound.size()) == replicas) bound_at = now;
        if (marker) marker->add(name);
      }
    }
  });

  const Json labels = {{"app", "bench"}};
  start = Clock::now();
  api.create(kDeployments,
             {{"apiVersion", "apps/v1"},
              {"kind", "Deployment"},
              {"metadata", {{"name", "bench"}, {"namespace", kNamespace}}},
              {"spec",
               {{"replicas", replicas},
                {"selector", {{"matchLabels", labels}}},
                {"template",
                 {{"metadata", {{"labels", labels}}},
                  {"spec",
                   {{"containers", Json::array({{{"name", "c"},
                                                 {"image", "registry.k8s.io/pause:3.10"},
                                                 {"resources", {{"requests", {{"cpu", "10m"}, {"memory", "16Mi"}}}}}}})}}}}}}}});
  Clock::time_point status_at{}, available_at{};
  const auto deadline = start + std::chrono::seconds(timeout);
  while (Clock::now() < deadline) {
    const Json status = api.get(kDeployments, kNamespace, "bench").value("status", Json::object());
    const auto now = Clock::now();
    if (status_at == Clock::time_point{} && status.value("replicas", 0) == replicas) status_at = now;
    if (available_at == Clock::time_point{} && status.value("availableReplicas", 0) == replicas) available_at = now;
    if (status_at != Clock::time_point{} && (!mark_ready || available_at != Clock::time_point{})) {
      std::lock_guard lock(mu);
      if (bound_at != Clock::time_point{}) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  done = true;
  watch->stop();
  watcher.join();
  heartbeat.join();
  marker.reset();

  auto show = [&](const char* what, Clock::time_point at) {
    if (at == Clock::time_point{})
      std::printf("%-34s not reached in %d s\n", what, timeout);
    else
      std::printf("%-34s %7.2f s  (%6.0f pods/s)\n", what, seconds_since(start, at), replicas / seconds_since(start, at));
  };
  std::printf("deployment of %d replicas over %d nodes%s\n", replicas, nodes, mark_ready ? ", pods marked ready" : "");
  show("all pods created", created_at);
  show("all pods bound", bound_at);
  show("status.replicas reached", status_at);
  if (mark_ready) show("status.availableReplicas reached", available_at);
  const bool ok = created_at != Clock::time_point{} && bound_at != Clock::time_point{} && status_at != Clock::time_point{} &&
                  (!mark_ready || available_at != Clock::time_point{});
  return ok ? 0 : 1;
}
