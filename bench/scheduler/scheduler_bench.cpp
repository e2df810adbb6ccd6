// scheduler-bench: scheduling throughput of the core (cluster state, queue, framework with
// every default plugin, preemption on) with synthetic nodes and pending pods; API writes
// go to a writer that only counts them. Prints pods/s.
//
//   scheduler-bench [--nodes 100] [--pods 5000] [--seed 1]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "scheduler/scheduler.h"

using Json = nlohmann::json;
using k3s::scheduler::ClusterWriter;
using k3s::scheduler::Scheduler;
using k3s::scheduler::SchedulerOptions;

namespace {

class CountingWriter : public ClusterWriter {
 public:
  void bind(const Json&, const std::string&) override { bound.fetch_add(1); }
  void set_unschedulable(const Json&, const std::string&, const std::optional<std::string>&) override { failed.fetch_add(1); }
  void preempt(const Json&, const Json&, const std::string&) override {}
  void record_event(const Json&, const std::string&, const std::string&, const std::string&) override {}
  std::atomic<long> bound{0}, failed{0};
};

Json make_node(int i) {
  std::string name = "node-" + std::to_string(i);
  Json labels = {{"kubernetes.io/hostname", name},
                 {"kubernetes.io/os", "linux"},
                 {"topology.kubernetes.io/zone", "zone-" + std::to_string(i % 4)},
                 {"node.kubernetes.io/instance-type", i % 2 ? "large" : "medium"}};
  Json node = Json::object();
  node["apiVersion"] = "v1";
  node["kind"] = "Node";
  node["metadata"] = {{"name", name}, {"uid", "node-uid-" + std::to_string(i)}, {"labels", labels}};
  node["spec"] = Json::object();
  node["status"]["allocatable"] = {{"cpu", "32"}, {"memory", "128Gi"}, {"pods", "110"}, {"ephemeral-storage", "100Gi"}};
  node["status"]["conditions"] = Json::parse(R"([{"type": "Ready", "status": "True"}])");
  node["status"]["images"] = Json::parse(R"([{"names": ["docker.io/library/nginx:1.25"], "sizeBytes": 180000000}])");
  if (i % 10 == 0) node["spec"]["taints"] = {{{"key", "dedicated"}, {"value", "infra"}, {"effect", "NoSchedule"}}};
  return node;
}

// Pods of 50 workloads; a realistic mix of constraints.
Json make_pod(int i, std::mt19937& rng) {
  int workload = i % 50;
  std::string app = "app-" + std::to_string(workload);
  const char* cpus[] = {"100m", "200m", "250m", "500m"};
  const char* mems[] = {"128Mi", "256Mi", "512Mi"};
  Json container = {{"name", "main"},
                    {"image", workload % 3 ? "nginx:1.25" : "busybox"},
                    {"resources", {{"requests", {{"cpu", cpus[rng() % 4]}, {"memory", mems[rng() % 3]}}}}}};
  Json spec = {{"containers", {container}}, {"schedulerName", "default-scheduler"}, {"priority", 0}};
  switch (workload % 5) {
    case 1:
      spec["nodeSelector"] = {{"kubernetes.io/os", "linux"}};
      break;
    case 2:
      spec["topologySpreadConstraints"] = {{{"maxSkew", 1},
                                            {"topologyKey", "topology.kubernetes.io/zone"},
                                            {"whenUnsatisfiable", "ScheduleAnyway"},
                                            {"labelSelector", {{"matchLabels", {{"app", app}}}}}}};
      break;
    case 3:
      spec["affinity"] = Json::parse(R"({"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
          {"weight": 50, "preference": {"matchExpressions": [
            {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["large"]}]}}]}})");
      break;
    case 4:
      spec["tolerations"] = {{{"key", "dedicated"}, {"operator", "Equal"}, {"value", "infra"}, {"effect", "NoSchedule"}}};
      break;
    default:
      break;
  }
  std::string name = app + "-" + std::to_string(i);
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name},
            {"namespace", "bench"},
            {"uid", "pod-uid-" + std::to_string(i)},
            {"labels", {{"app", app}}},
            {"ownerReferences",
             {{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", app}, {"uid", "rs-" + app}, {"controller", true}}}}}},
          {"spec", spec},
          {"status", {{"phase", "Pending"}}}};
}

int arg(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int nodes = arg(argc, argv, "--nodes", 100);
  const int pods = arg(argc, argv, "--pods", 5000);
  std::mt19937 rng(static_cast<unsigned>(arg(argc, argv, "--seed", 1)));

  auto writer = std::make_shared<CountingWriter>();
  SchedulerOptions options;
  options.seed = 1;
  options.api_workers = 1;
  Scheduler scheduler(writer, options);
  for (int i = 0; i < nodes; ++i) scheduler.on_node(make_node(i));

  std::vector<Json> objects;
  objects.reserve(pods);
  for (int i = 0; i < pods; ++i) objects.push_back(make_pod(i, rng));

  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  for (const auto& p : objects) scheduler.on_pod(p);
  auto t1 = clock::now();
  long attempts = 0;
  while (scheduler.schedule_one()) ++attempts;
  scheduler.wait_for_writes();
  auto t2 = clock::now();

  double ingest = std::chrono::duration<double>(t1 - t0).count();
  double scheduling = std::chrono::duration<double>(t2 - t1).count();
  std::printf("nodes=%d pods=%d attempts=%ld bound=%ld unschedulable=%ld\n", nodes, pods, attempts, writer->bound.load(),
              writer->failed.load());
  std::printf("ingest (parse + enqueue): %.3f s (%.0f pods/s)\n", ingest, pods / ingest);
  std::printf("scheduling: %.3f s -> %.0f pods/s\n", scheduling, writer->bound.load() / scheduling);
  std::printf("end to end: %.0f pods/s\n", writer->bound.load() / (ingest + scheduling));
  return writer->bound.load() == pods ? 0 : 1;
}
