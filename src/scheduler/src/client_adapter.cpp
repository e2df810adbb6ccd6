// The scheduler on the project's API client: a ClusterWriter that writes bindings,
// status, deletions and Events, and list+watch feeds that deliver objects to the
// Scheduler's handlers. (The feeds are plain reflectors; when src/client grows shared
// informers they can replace them without touching the Scheduler.)
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <functional>
#include <map>
#include <thread>

#include <spdlog/spdlog.h>

#include "client/client.h"
#include "client/errors.h"
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
      : client_(client), scheduler_name_(std::move(scheduler_name)) {}

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
    auto now = object::now();
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "%llx",
                  static_cast<unsigned long long>(now.time_since_epoch().count()) * 1000ULL);
    Json event = {{"apiVersion", "v1"},
                  {"kind", "Event"},
                  {"metadata", {{"name", object::name_of(pod) + "." + suffix}, {"namespace", object::namespace_of(pod)}}},
                  {"involvedObject",
                   {{"apiVersion", "v1"},
                    {"kind", "Pod"},
                    {"namespace", object::namespace_of(pod)},
                    {"name", object::name_of(pod)},
                    {"uid", object::uid_of(pod)},
                    {"resourceVersion", object::resource_version_of(pod)}}},
                  {"reason", reason},
                  {"message", message},
                  {"type", type},
                  {"source", {{"component", scheduler_name_}}},
                  {"reportingComponent", scheduler_name_},
                  {"reportingInstance", scheduler_name_},
                  {"action", reason == "Scheduled" ? "Binding" : "Scheduling"},
                  {"count", 1},
                  {"firstTimestamp", object::format_time(now)},
                  {"lastTimestamp", object::format_time(now)},
                  {"eventTime", nullptr}};
    client_.create(res::kEvents, event);
  }

 private:
  client::Client& client_;
  std::string scheduler_name_;
};

using Handler = std::function<void(const Json&)>;

// List, then watch from the list's resourceVersion; relist after a 410 or any error,
// delivering deletions for objects that vanished in between.
void reflect(client::Client& client, const client::GroupVersionResource& gvr, const Handler& on_upsert,
             const Handler& on_delete, std::stop_token stop) {
  std::map<std::string, Json> known;  // uid -> last object delivered
  auto backoff = std::chrono::milliseconds(500);
  while (!stop.stop_requested()) {
    try {
      Json list = client.list(gvr, "");
      std::string rv = field(field(list, "metadata"), "resourceVersion").is_string()
                           ? field(field(list, "metadata"), "resourceVersion").get<std::string>()
                           : "";
      std::map<std::string, Json> seen;
      if (const Json& items = field(list, "items"); items.is_array()) {
        for (const Json& item : items) {
          Json obj = item;
          if (!obj.contains("kind")) {
            obj["kind"] = field(list, "kind").is_string() && field(list, "kind").get<std::string>().size() > 4
                              ? field(list, "kind").get<std::string>().substr(0, field(list, "kind").get<std::string>().size() - 4)
                              : "";
          }
          on_upsert(obj);
          seen[object::uid_of(obj)] = std::move(obj);
        }
      }
      for (const auto& [uid, obj] : known) {
        if (!seen.count(uid)) on_delete(obj);
      }
      known = std::move(seen);
      backoff = std::chrono::milliseconds(500);

      while (!stop.stop_requested()) {
        client::ListOptions opts;
        opts.resource_version = rv;
        opts.allow_watch_bookmarks = true;
        opts.timeout_seconds = 300;
        auto watch = client.watch(gvr, "", opts);
        std::stop_callback cancel(stop, [&] { watch->stop(); });
        bool relist = false;
        while (auto ev = watch->next()) {
          using Type = client::WatchEvent::Type;
          if (ev->type == Type::error) {
            relist = true;
            break;
          }
          if (auto v = field(field(ev->object, "metadata"), "resourceVersion"); v.is_string()) rv = v.get<std::string>();
          if (ev->type == Type::bookmark) continue;
          const std::string uid = object::uid_of(ev->object);
          if (ev->type == Type::deleted) {
            known.erase(uid);
            on_delete(ev->object);
          } else {
            known[uid] = ev->object;
            on_upsert(ev->object);
          }
        }
        if (relist) break;
      }
    } catch (const std::exception& e) {
      if (stop.stop_requested()) break;
      spdlog::warn("scheduler: watching {}: {} (retrying)", gvr.group_resource(), e.what());
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock lock(m);
      cv.wait_for(lock, stop, backoff, [] { return false; });
      backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
    }
  }
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
  std::vector<std::jthread> threads;
  for (const auto& f : feeds) {
    threads.emplace_back([&client, f, stop](std::stop_token own) {
      std::stop_source both;
      std::stop_callback a(stop, [&] { both.request_stop(); });
      std::stop_callback b(own, [&] { both.request_stop(); });
      reflect(client, f.gvr, f.upsert, f.remove, both.get_token());
    });
  }
  scheduler.run(stop);
  for (auto& t : threads) t.request_stop();
  threads.clear();  // joins
}

}  // namespace k3s::scheduler
