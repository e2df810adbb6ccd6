// The scheduler of `k3s server` (kube-scheduler's job): watches pending pods with
// schedulerName default-scheduler (or none) and no spec.nodeName, picks a node with
// kube-scheduler's filters and scores, binds through pods/<name>/binding, preempts
// lower-priority pods when that is the only way, and reports failures as the condition
// PodScheduled=False (reason Unschedulable) plus FailedScheduling events with
// kube-scheduler's wording.
//
// Two ways to drive it:
//  * run_with_client(): complete -- lists and watches pods, nodes, volumes, claims,
//    storage classes, disruption budgets, priority classes and namespaces through the
//    API client and writes bindings, status and events back. Run it under leader election.
//  * Scheduler with your own ClusterWriter, feeding it objects through the on_* handlers
//    (informers, tests, benchmarks).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace k3s::client {
class Client;
}

namespace k3s::scheduler {

using Json = nlohmann::json;

inline constexpr const char* kDefaultSchedulerName = "default-scheduler";

struct SchedulerOptions {
  std::string scheduler_name = kDefaultSchedulerName;
  // kube-scheduler's percentageOfNodesToScore; 0 = adaptive (every node below 100 nodes).
  int percentage_of_nodes_to_score = 0;
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{10000};
  // Pods nothing has helped are retried after this long anyway.
  std::chrono::milliseconds unschedulable_timeout{std::chrono::minutes(5)};
  // Threads doing API writes (bindings, status, events) so scheduling never waits on them.
  int api_workers = 4;
  // Random tie-breaking between equally good nodes; 0 seeds from the system.
  std::uint64_t seed = 0;
  // The client-side rate limit of the scheduler's API client (--kube-api-qps,
  // --kube-api-burst; kube-scheduler's defaults are 50 / 100). Applied where the client
  // is made.
  double kube_api_qps = 50;
  int kube_api_burst = 300;
};

// Applies k3s's --kube-scheduler-arg values ("name=value", optional leading "--"):
// kube-api-qps, kube-api-burst. Returns the flags it does not know (the caller warns and
// ignores them, as before); throws std::invalid_argument for a malformed value.
std::vector<std::string> apply_scheduler_args(SchedulerOptions& options, const std::vector<std::string>& args);

// The writes the scheduler makes to the cluster. Methods may be called from several
// threads at once; a thrown exception counts as a failed write.
class ClusterWriter {
 public:
  virtual ~ClusterWriter() = default;
  // POST pods/<name>/binding with the node as target.
  virtual void bind(const Json& pod, const std::string& node) = 0;
  // Status subresource: condition PodScheduled=False, reason Unschedulable, `message`;
  // nominatedNodeName set to *nominated_node ("" clears it), untouched when nullopt.
  virtual void set_unschedulable(const Json& pod, const std::string& message,
                                 const std::optional<std::string>& nominated_node) = 0;
  // Evicts a preemption victim in favour of `preemptor`, nominated to `node`.
  virtual void preempt(const Json& victim, const Json& preemptor, const std::string& node) = 0;
  // An Event about the pod from the scheduler ("Normal"/"Warning", reason, message).
  virtual void record_event(const Json& pod, const std::string& type, const std::string& reason,
                            const std::string& message) = 0;
};

class Scheduler {
 public:
  Scheduler(std::shared_ptr<ClusterWriter> writer, SchedulerOptions options = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Watch event handlers (thread-safe): `on_x` for added or modified objects,
  // `on_x_deleted` for deletions. Malformed objects are logged and skipped.
  void on_pod(const Json& pod);
  void on_pod_deleted(const Json& pod);
  void on_node(const Json& node);
  void on_node_deleted(const Json& node);
  void on_persistent_volume(const Json& pv);
  void on_persistent_volume_deleted(const Json& pv);
  void on_claim(const Json& pvc);
  void on_claim_deleted(const Json& pvc);
  void on_storage_class(const Json& sc);
  void on_storage_class_deleted(const Json& sc);
  void on_disruption_budget(const Json& pdb);
  void on_disruption_budget_deleted(const Json& pdb);
  void on_priority_class(const Json& pc);
  void on_priority_class_deleted(const Json& pc);
  void on_namespace(const Json& ns);
  void on_namespace_deleted(const Json& ns);

  // Schedules pods until `stop` is requested; returns after pending API writes finished.
  void run(std::stop_token stop);
  // One scheduling attempt for the next active pod without waiting; false when no pod was
  // ready. API writes still go to the worker threads (see wait_for_writes()).
  bool schedule_one();
  // Blocks until every API write queued so far has been attempted.
  void wait_for_writes();

  struct Stats {
    std::uint64_t attempts = 0;
    std::uint64_t scheduled = 0;      // bound (or bind in flight)
    std::uint64_t unschedulable = 0;  // attempts that found no node
    std::uint64_t bind_failures = 0;
    std::uint64_t preemptions = 0;    // victims evicted
    std::size_t active = 0, backoff = 0, waiting = 0;  // queue sizes now
  };
  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A ClusterWriter over the API client (bindings, status patches, deletions, core/v1 Events
// with source component `scheduler_name`).
std::shared_ptr<ClusterWriter> make_client_writer(client::Client& client, std::string scheduler_name = kDefaultSchedulerName);

// Lists and watches everything the scheduler needs through `client` (relisting after
// errors and 410 Gone) and runs the scheduler until `stop`. Call it while holding the
// scheduler's leader-election lease.
void run_with_client(client::Client& client, SchedulerOptions options, std::stop_token stop);

}  // namespace k3s::scheduler
