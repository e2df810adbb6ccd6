// The scheduler on the project's API client: a ClusterWriter that writes bindings,
// status and deletions (Events through the client's EventRecorder), and shared informers
// that deliver objects to the Scheduler's handlers.
#include <chrono>
#include <functional>
#include <memory>

#include <spdlog/spdlog.h>

#include "client/client.h"
#include "client/errors.h"
#include "client/events.h"
#include "client/informer.h"
#include "object/meta.h"
#include "scheduler/scheduler.h"

namespace k3s::scheduler {

namespace {

namespace res = client::resources;

const Json& field(const Json& obj, const char* key) {
  static const Json null_json;
  if (!obj.is_object()) return null_json;
  auto it = obj.find(key);
  return it == obj.end() ? null_json : *it;
}

const Json* find_condition(const Json& pod, const std::string& type) {
  const Json& conds = field(field(pod, "status"), "conditions");
  if (!conds.is_array()) return nullptr;
  for (const Json& c : conds) {
    if (field(c, "type") == type) return &c;
  }
  return nullptr;
}

class ClientWriter final : public ClusterWriter {
 public:
  ClientWriter(client::Client& client, std::string scheduler_name)
      : client_(client), scheduler_name_(std::move(scheduler_name)), recorder_(client, scheduler_name_) {}

  void bind(const Json& pod, const std::string& node) override {
    Json binding = {{"apiVersion", "v1"},
                    {"kind", "Binding"},
                    {"metadata", {{"name", object::name_of(pod)}, {"namespace", object::namespace_of(pod)}}},
                    {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
    if (auto uid = object::uid_of(pod); !uid.empty()) binding["metadata"]["uid"] = uid;
    client::WriteOptions opts;
    opts.subresource = "binding";
    opts.name = object::name_of(pod);
    client_.create(res::kPods, binding, opts);
  }

  void set_unschedulable(const Json& pod, const std::string& message,
                         const std::optional<std::string>& nominated_node) override {
    Json status = Json::object();
    if (!message.empty()) {
      const Json* current = find_condition(pod, "PodScheduled");
      bool same = current && field(*current, "status") == "False" && field(*current, "reason") == "Unschedulable" &&
                  field(*current, "message") == message;
      std::string current_nominee = field(field(pod, "status"), "nominatedNodeName").is_string()
                                        ? field(field(pod, "status"), "nominatedNodeName").get<std::string>()
                                        : "";
      if (same && (!nominated_node || *nominated_node == current_nominee)) return;
      std::string transition = current && field(*current, "status") == "False" &&
                                       field(*current, "lastTransitionTime").is_string()
                                   ? field(*current, "lastTransitionTime").get<std::string>()
                                   : object::format_time(object::now());
      status["conditions"] = Json::array({{{"type", "PodScheduled"},
                                           {"status", "False"},
                                           {"reason", "Unschedulable"},
                                           {"message", message},
                                           {"lastProbeTime", nullptr},
                                           {"lastTransitionTime", transition}}});
    }
    if (nominated_node) status["nominatedNodeName"] = nominated_node->empty() ? Json(nullptr) : Json(*nominated_node);
    if (status.empty()) return;
    client::PatchOptions opts;
    opts.subresource = "status";
    try {
      client_.patch(res::kPods, object::namespace_of(pod), object::name_of(pod), client::PatchType::strategic,
                    Json{{"status", status}}, opts);
    } catch (const client::ApiError& e) {
      if (!e.is_not_found()) throw;  // a deleted pod needs no status
    }
  }

  void preempt(const Json& victim, const Json& preemptor, const std::string& node) override {
    const std::string ns = object::namespace_of(victim), name = object::name_of(victim);
    client::PatchOptions opts;
    opts.subresource = "status";
    Json condition = {{"type", "DisruptionTarget"},
                      {"status", "True"},
                      {"reason", "PreemptionByScheduler"},
                      {"message", scheduler_name_ + ": preempting to accommodate a higher priority pod"},
                      {"lastTransitionTime", object::format_time(object::now())}};
    try {
      client_.patch(res::kPods, ns, name, client::PatchType::strategic,
                    Json{{"status", {{"conditions", Json::array({condition})}}}}, opts);
      client::DeleteOptions del;
      if (auto uid = object::uid_of(victim); !uid.empty()) del.precondition_uid = uid;
      client_.remove(res::kPods, ns, name, del);
    } catch (const client::ApiError& e) {
      if (!e.is_not_found()) throw;
      return;
    }
    record_event(victim, "Normal", "Preempted",
                 "Preempted by pod " + object::uid_of(preemptor) + " on node " + node);
  }

  void record_event(const Json& pod, const std::string& type, const std::string& reason,
                    const std::string& message) override {
    recorder_.event(pod, type, reason, message);
  }

 private:
  client::Client& client_;
  std::string scheduler_name_;
  client::EventRecorder recorder_;  // aggregates repeats as kube's recorder does
};

using Handler = std::function<void(const Json&)>;

client::EventHandlers handlers(Handler upsert, Handler remove) {
  client::EventHandlers h;
  h.on_add = [upsert](const client::ObjectPtr& o) { upsert(*o); };
  h.on_update = [upsert](const client::ObjectPtr&, const client::ObjectPtr& o) { upsert(*o); };
  h.on_delete = [remove](const client::DeletedObject& d) {
    if (d.object) remove(*d.object);
  };
  return h;
}

}  // namespace

std::shared_ptr<ClusterWriter> make_client_writer(client::Client& client, std::string scheduler_name) {
  return std::make_shared<ClientWriter>(client, std::move(scheduler_name));
}

void run_with_client(client::Client& client, SchedulerOptions options, std::stop_token stop) {
  Scheduler scheduler(make_client_writer(client, options.scheduler_name), options);
  struct Feed {
    client::GroupVersionResource gvr;
    Handler upsert, remove;
  };
  Scheduler& s = scheduler;
  std::vector<Feed> feeds = {
      {res::kNamespaces, [&](const Json& o) { s.on_namespace(o); }, [&](const Json& o) { s.on_namespace_deleted(o); }},
      {res::kPriorityClasses, [&](const Json& o) { s.on_priority_class(o); },
       [&](const Json& o) { s.on_priority_class_deleted(o); }},
      {res::kStorageClasses, [&](const Json& o) { s.on_storage_class(o); },
       [&](const Json& o) { s.on_storage_class_deleted(o); }},
      {res::kPersistentVolumes, [&](const Json& o) { s.on_persistent_volume(o); },
       [&](const Json& o) { s.on_persistent_volume_deleted(o); }},
      {res::kPersistentVolumeClaims, [&](const Json& o) { s.on_claim(o); }, [&](const Json& o) { s.on_claim_deleted(o); }},
      {res::kPodDisruptionBudgets, [&](const Json& o) { s.on_disruption_budget(o); },
       [&](const Json& o) { s.on_disruption_budget_deleted(o); }},
      {res::kNodes, [&](const Json& o) { s.on_node(o); }, [&](const Json& o) { s.on_node_deleted(o); }},
      {res::kPods, [&](const Json& o) { s.on_pod(o); }, [&](const Json& o) { s.on_pod_deleted(o); }},
  };
  // Cluster-wide objects first, so pods meet the nodes and claims they need.
  std::vector<std::unique_ptr<client::SharedInformer>> informers;
  for (const auto& f : feeds) {
    auto informer = std::make_unique<client::SharedInformer>(client, f.gvr);
    informer->add_event_handler(handlers(f.upsert, f.remove));
    informer->start();
    if (f.gvr == res::kNodes) informer->wait_for_sync(std::chrono::seconds(30));
    informers.push_back(std::move(informer));
  }
  scheduler.run(stop);
  for (auto& informer : informers) informer->stop();
}

}  // namespace k3s::scheduler
