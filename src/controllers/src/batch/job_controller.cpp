// The "job" controller: runs pods until a Job's completions succeed, within parallelism,
// backoffLimit, activeDeadlineSeconds and podFailurePolicy, tracking every finished pod
// with the batch.kubernetes.io/job-tracking finalizer so none is counted twice or lost.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "batch/controllers.h"
#include "batch/job_util.h"
#include "controller_utils.h"
#include "object/labels.h"
#include "object/meta.h"

namespace k3s::controllers::batch {

namespace {

using client::resources::kJobs;
using client::resources::kPods;
namespace chrono = std::chrono;

constexpr const char* kOwnerIndex = "batch-owner-uid";

bool is_terminal(const Json& pod) {
  const std::string phase = pod.value("status", Json::object()).value("phase", "");
  return phase == "Succeeded" || phase == "Failed";
}

std::string phase_of(const Json& pod) { return pod.value("status", Json::object()).value("phase", ""); }

// What the job's spec asks for, with kube's defaults.
struct JobSpec {
  int parallelism = 1;
  std::optional<int> completions;
  int backoff_limit = 6;
  bool indexed = false;
  bool suspend = false;
  std::optional<std::int64_t> active_deadline;
  bool only_replace_failed = false;  // podReplacementPolicy Failed, or a podFailurePolicy

  explicit JobSpec(const Json& job) {
    const Json spec = job.value("spec", Json::object());
    if (spec.contains("parallelism") && spec["parallelism"].is_number_integer()) parallelism = spec["parallelism"];
    if (spec.contains("completions") && spec["completions"].is_number_integer()) completions = spec["completions"].get<int>();
    if (spec.contains("backoffLimit") && spec["backoffLimit"].is_number_integer()) backoff_limit = spec["backoffLimit"];
    indexed = spec.value("completionMode", "NonIndexed") == "Indexed" && completions.has_value();
    suspend = spec.value("suspend", false);
    if (spec.contains("activeDeadlineSeconds") && spec["activeDeadlineSeconds"].is_number_integer())
      active_deadline = spec["activeDeadlineSeconds"].get<std::int64_t>();
    only_replace_failed = spec.value("podReplacementPolicy", "") == "Failed" || spec.contains("podFailurePolicy");
  }
};

// A pod removed while it never reached a node has no kubelet to mark it Failed; pod GC
// would: count it as failed right away.
bool counts_as_failed(const Json& pod, const JobSpec& spec) {
  if (phase_of(pod) == "Failed") return true;
  if (phase_of(pod) == "Succeeded" || !object::is_being_deleted(pod)) return false;
  if (!spec.only_replace_failed) return true;
  return pod.value("spec", Json::object()).value("nodeName", "").empty();
}

class JobController : public QueueController {
 public:
  explicit JobController(ControllerContext& context)
      : QueueController(context, "job"),
        jobs_(informers().informer_for(kJobs)),
        pods_(informers().informer_for(kPods)),
        pod_control_(api(), events()) {
    pods_->add_index(kOwnerIndex, client::index_by_owner_uid());
    jobs_->add_event_handler({
        .on_add = [this](const ObjectPtr& j) { enqueue(*j); },
        .on_update = [this](const ObjectPtr&, const ObjectPtr& j) { enqueue(*j); },
        .on_delete = [this](const client::DeletedObject& d) { expectations_.forget(d.key); },
    });
    pods_->add_event_handler({
        .on_add = [this](const ObjectPtr& p) { pod_event(*p, true, false); },
        .on_update = [this](const ObjectPtr& old_pod, const ObjectPtr& p) {
          if (controller_key(*old_pod, "Job") != controller_key(*p, "Job")) pod_event(*old_pod, false, false);
          // A pod held by its finalizer shows its deletion as a deletionTimestamp.
          const bool deletion_started = !object::is_being_deleted(*old_pod) && object::is_being_deleted(*p);
          if (deletion_started) expectations_.deletion_observed(controller_key(*p, "Job"));
          pod_event(*p, false, false);
        },
        .on_delete = [this](const client::DeletedObject& d) {
          if (!d.object) return;
          if (object::is_being_deleted(*d.object)) {
            pod_event(*d.object, false, false);  // its deletion was already observed
            release_deleted(*d.object);
          } else {
            pod_event(*d.object, false, true);
          }
        },
    });
  }

 protected:
  void sync(const std::string& key) override {
    if (key.starts_with("orphan:")) return release_orphan(key.substr(7));
    const ObjectPtr cached = jobs_->indexer().get(key);
    if (!cached) {
      expectations_.forget(key);
      return;
    }
    if (!expectations_.satisfied(key)) return;  // the pod events re-enqueue it
    sync_job(key, *cached);
  }

 private:
  void pod_event(const Json& pod, bool added, bool deleted) {
    const std::string key = controller_key(pod, "Job");
    if (key.empty()) return;
    if (!object::has_finalizer(pod, kJobTrackingFinalizer) || deleted) {
      std::lock_guard lock(released_mu_);
      released_.erase(object::uid_of(pod));
    }
    if (added) expectations_.creation_observed(key);
    if (deleted) expectations_.deletion_observed(key);
    if (object::has_finalizer(pod, kJobTrackingFinalizer) && !deleted) {
      const auto job = jobs_->indexer().get(key);
      const auto ref = object::controller_of(pod);
      if (!job || (ref && object::uid_of(*job) != ref->uid)) {
        enqueue("orphan:" + client::object_key(pod));
        return;
      }
    }
    enqueue(key);
  }

  // A tracked pod whose Job is gone: nothing will count it, so the finalizer goes.
  void release_orphan(const std::string& pod_key) {
    const auto pod = pods_->indexer().get(pod_key);
    if (!pod || !object::has_finalizer(*pod, kJobTrackingFinalizer)) return;
    const auto ref = object::controller_of(*pod);
    if (ref) {
      try {
        const Json job = api().get(kJobs, object::namespace_of(*pod), ref->name);
        if (object::uid_of(job) == ref->uid) return;
      } catch (const client::ApiError& e) {
        if (!e.is_not_found()) throw;
      }
    }
    remove_tracking_finalizer(*pod);
  }

  void remove_tracking_finalizer(const Json& pod) {
    Json finalizers = Json::array();
    for (const auto& f : object::finalizers_of(pod))
      if (f != kJobTrackingFinalizer) finalizers.push_back(f);
    Json patch = {{"metadata", {{"finalizers", finalizers}, {"uid", object::uid_of(pod)}}}};
    try {
      api().patch(kPods, object::namespace_of(pod), object::name_of(pod), client::PatchType::merge, patch);
    } catch (const client::ApiError& e) {
      if (!e.is_not_found() && !e.is_conflict()) throw;
      return;
    }
    // Until the informer shows the pod without it, the cached copy must not count again.
    std::lock_guard lock(released_mu_);
    released_.insert(object::uid_of(pod));
  }

  std::vector<Json> pods_of(const Json& job) {
    std::vector<Json> out;
    for (const auto& p : pods_->indexer().by_index(kOwnerIndex, object::uid_of(job)))
      if (is_controlled_by(*p, job)) out.push_back(*p);
    // Orphans matching the selector are adopted, as kube's ControllerRefManager does.
    if (object::is_being_deleted(job)) return out;
    const Json selector_json = job.value("spec", Json::object()).value("selector", Json());
    if (!selector_json.is_object()) return out;
    object::labels::Selector selector;
    try {
      selector = object::labels::Selector::from_label_selector(selector_json);
    } catch (const std::exception&) {
      return out;
    }
    if (selector.empty()) return out;
    for (const auto& p : pods_->indexer().by_index(client::kNamespaceIndex, object::namespace_of(job))) {
      if (controller_ref_of(*p) || object::is_being_deleted(*p) || !selector.matches(object::labels_of(*p))) continue;
      adopt(api(), kPods, *p, job, "batch/v1", "Job");
      out.push_back(*p);
    }
    return out;
  }

  void sync_job(const std::string& key, const Json& cached) {
    Json job = cached;
    job["apiVersion"] = "batch/v1";
    job["kind"] = "Job";
    const JobSpec spec(job);
    std::vector<Json> pods = pods_of(job);
    if (is_job_finished(job)) {
      for (const auto& p : pods)
        if (object::has_finalizer(p, kJobTrackingFinalizer)) remove_tracking_finalizer(p);
      forget_backoff(object::uid_of(job));
      return;
    }
    const std::string now = now_rfc3339();
    Json status = job.value("status", Json::object());
    const Json old_status = status;

    // ---- count finished pods (uncounted first, then the counters) -----------------------
    Json uncounted = status.value("uncountedTerminatedPods", Json::object());
    std::set<std::string> uncounted_succeeded, uncounted_failed;
    for (const auto& u : uncounted.value("succeeded", Json::array())) uncounted_succeeded.insert(u.get<std::string>());
    for (const auto& u : uncounted.value("failed", Json::array())) uncounted_failed.insert(u.get<std::string>());
    std::set<int> completed;
    if (spec.indexed) completed = parse_indexes(status.value("completedIndexes", ""), *spec.completions);

    std::vector<Json> to_release;  // pods whose finalizer goes in this sync
    std::optional<FailurePolicyMatch> fail_job;
    int new_failures = 0, new_successes = 0;
    for (const auto& p : pods) {
      if (!object::has_finalizer(p, kJobTrackingFinalizer) || was_released(p)) continue;
      const std::string uid = object::uid_of(p);
      if (uncounted_succeeded.count(uid) || uncounted_failed.count(uid)) {
        to_release.push_back(p);
        continue;
      }
      if (phase_of(p) == "Succeeded") {
        const int index = completion_index_of(p);
        if (spec.indexed && (index < 0 || index >= *spec.completions || completed.count(index))) {
          to_release.push_back(p);  // a duplicate or stray index: not a new completion
          continue;
        }
        if (spec.indexed) completed.insert(index);
        uncounted_succeeded.insert(uid);
        ++new_successes;
        to_release.push_back(p);
      } else if (spec.suspend && phase_of(p) != "Failed" && object::is_being_deleted(p)) {
        to_release.push_back(p);  // stopped by the suspension: not a failure
      } else if (counts_as_failed(p, spec)) {
        const auto match = match_pod_failure_policy(job, p);
        if (match.action == "Ignore") {
          to_release.push_back(p);
          continue;
        }
        if (match.action == "FailJob" && !fail_job) fail_job = match;
        uncounted_failed.insert(uid);
        ++new_failures;
        to_release.push_back(p);
      }
    }
    auto uncounted_json = [&] {
      Json u = Json::object();
      if (!uncounted_succeeded.empty()) u["succeeded"] = uncounted_succeeded;
      if (!uncounted_failed.empty()) u["failed"] = uncounted_failed;
      return u;
    };
    if (!to_release.empty()) {
      // Record the uids before the finalizers go: a crash in between must not lose them.
      status["uncountedTerminatedPods"] = uncounted_json();
      if (spec.indexed) status["completedIndexes"] = format_indexes(completed);
      if (status != old_status) job = write_status(job, status);
      for (const auto& p : to_release) remove_tracking_finalizer(p);
    }
    // Every uncounted uid whose pod no longer holds the finalizer moves to the counters.
    std::map<std::string, const Json*> by_uid;
    for (const auto& p : pods) by_uid[object::uid_of(p)] = &p;
    std::int64_t succeeded = status.value("succeeded", 0), failed = status.value("failed", 0);
    succeeded += static_cast<std::int64_t>(uncounted_succeeded.size());
    failed += static_cast<std::int64_t>(uncounted_failed.size());
    uncounted_succeeded.clear();
    uncounted_failed.clear();
    status["uncountedTerminatedPods"] = uncounted_json();
    status["succeeded"] = succeeded;
    status["failed"] = failed;
    if (spec.indexed) status["completedIndexes"] = format_indexes(completed);
    note_backoff(object::uid_of(job), new_failures, new_successes);

    // ---- classify the pods still around ---------------------------------------------------
    std::vector<Json> active;
    int ready = 0, terminating = 0;
    for (const auto& p : pods) {
      if (is_terminal(p)) continue;
      if (object::is_being_deleted(p)) {
        ++terminating;
        continue;
      }
      active.push_back(p);
      if (is_pod_ready(p)) ++ready;
    }

    // ---- terminal decisions ---------------------------------------------------------------
    const bool has_failure_target = true_condition(job, "FailureTarget") != nullptr;
    const bool has_success_target = true_condition(job, "SuccessCriteriaMet") != nullptr;
    if (!has_failure_target && !has_success_target) {
      std::optional<std::pair<std::string, std::string>> failure;
      if (fail_job) failure = {"PodFailurePolicy", fail_job->message};
      else if (failed > spec.backoff_limit)
        failure = {"BackoffLimitExceeded", "Job has reached the specified backoff limit"};
      else if (spec.active_deadline && !spec.suspend && status.contains("startTime")) {
        auto start = object::parse_time(status.value("startTime", ""));
        if (start && object::now() - *start >= chrono::seconds(*spec.active_deadline))
          failure = {"DeadlineExceeded", "Job was active longer than specified deadline"};
      }
      if (failure) {
        set_condition(status, "FailureTarget", "True", failure->first, failure->second, now);
      } else if (succeeded_enough(spec, succeeded, completed, active.size())) {
        set_condition(status, "SuccessCriteriaMet", "True", "CompletionsReached",
                      "Reached expected number of succeeded pods", now);
      }
    }
    // Copies, not pointers: `status` changes below while these are still read.
    const Json with_status{{"status", status}};
    std::optional<Json> failure_target, success_target;
    if (const Json* c = true_condition(with_status, "FailureTarget")) failure_target = *c;
    if (const Json* c = true_condition(with_status, "SuccessCriteriaMet")) success_target = *c;
    if (failure_target || success_target) {
      for (const auto& p : active) pod_control_.delete_pod(object::namespace_of(p), object::name_of(p), job);
      terminating += static_cast<int>(active.size());
      active.clear();
      ready = 0;
      if (terminating == 0) {
        if (failure_target) {
          const Json target = *failure_target;
          set_condition(status, "Failed", "True", target.value("reason", ""), target.value("message", ""), now);
          events().event(job, client::kEventTypeWarning, target.value("reason", ""), target.value("message", ""));
        } else {
          set_condition(status, "Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods",
                        now);
          status["completionTime"] = now;
          events().event(job, client::kEventTypeNormal, "Completed", "Job completed");
        }
      }
    } else {
      manage_suspension(job, spec, status, active, now);
      if (!spec.suspend) manage_pods(key, job, spec, status, active, completed, succeeded);
    }
    status["active"] = static_cast<int>(active.size());
    status["ready"] = ready;
    status["terminating"] = terminating;
    if (status != job.value("status", Json::object())) write_status(job, status);

    if (spec.active_deadline && !spec.suspend && status.contains("startTime") && !failure_target) {
      auto start = object::parse_time(status.value("startTime", ""));
      if (start) {
        auto left = chrono::duration_cast<chrono::milliseconds>(*start + chrono::seconds(*spec.active_deadline) -
                                                                object::now());
        enqueue_after(key, std::max(left, chrono::milliseconds(0)) + chrono::milliseconds(100));
      }
    }
  }

  static bool succeeded_enough(const JobSpec& spec, std::int64_t succeeded, const std::set<int>& completed,
                               std::size_t active) {
    if (spec.indexed) return static_cast<int>(completed.size()) >= *spec.completions;
    if (spec.completions) return succeeded >= *spec.completions;
    // A work queue (no completions): done once one pod succeeded and the rest finished.
    return succeeded > 0 && active == 0;
  }

  void manage_suspension(const Json& job, const JobSpec& spec, Json& status, std::vector<Json>& active,
                         const std::string& now) {
    const bool was_suspended = true_condition(job, "Suspended") != nullptr;
    if (spec.suspend) {
      for (const auto& p : active) pod_control_.delete_pod(object::namespace_of(p), object::name_of(p), job);
      if (!active.empty()) status["terminating"] = status.value("terminating", 0) + static_cast<int>(active.size());
      active.clear();
      if (!was_suspended) {
        set_condition(status, "Suspended", "True", "JobSuspended", "Job suspended", now);
        events().event(job, client::kEventTypeNormal, "Suspended", "Job suspended");
      }
      return;
    }
    if (was_suspended) {
      set_condition(status, "Suspended", "False", "JobResumed", "Job resumed", now);
      events().event(job, client::kEventTypeNormal, "Resumed", "Job resumed");
      status["startTime"] = now;  // activeDeadlineSeconds counts from the resume
    }
    if (!status.contains("startTime") || status["startTime"].is_null()) status["startTime"] = now;
  }

  void manage_pods(const std::string& key, const Json& job, const JobSpec& spec, const Json& status,
                   std::vector<Json>& active, const std::set<int>& completed, std::int64_t succeeded) {
    std::vector<Json> excess;
    std::vector<int> indexes_to_create;
    int want = 0;
    if (spec.indexed) {
      std::set<int> running;
      std::vector<Json> kept;
      // Newest first so that of two pods for one index the older one stays.
      std::sort(active.begin(), active.end(), [](const Json& a, const Json& b) {
        return a["metadata"].value("creationTimestamp", "") < b["metadata"].value("creationTimestamp", "");
      });
      for (const auto& p : active) {
        const int index = completion_index_of(p);
        if (index < 0 || index >= *spec.completions || completed.count(index) || running.count(index))
          excess.push_back(p);
        else {
          running.insert(index);
          kept.push_back(p);
        }
      }
      active = kept;
      for (int i = 0; i < *spec.completions && static_cast<int>(running.size() + indexes_to_create.size()) <
                                                   spec.parallelism;
           ++i)
        if (!completed.count(i) && !running.count(i)) indexes_to_create.push_back(i);
      while (static_cast<int>(active.size()) > spec.parallelism) {
        excess.push_back(active.back());
        active.pop_back();
      }
      want = static_cast<int>(active.size() + indexes_to_create.size());
    } else {
      if (spec.completions)
        want = static_cast<int>(std::clamp<std::int64_t>(*spec.completions - succeeded, 0, spec.parallelism));
      else
        want = succeeded > 0 ? 0 : spec.parallelism;
      if (static_cast<int>(active.size()) > want && succeeded == 0 && !spec.completions) want = active.size();
      // Surplus: not-ready pods first, then the newest.
      std::sort(active.begin(), active.end(), [](const Json& a, const Json& b) {
        if (is_pod_ready(a) != is_pod_ready(b)) return is_pod_ready(a);
        return a["metadata"].value("creationTimestamp", "") < b["metadata"].value("creationTimestamp", "");
      });
      while (static_cast<int>(active.size()) > want) {
        excess.push_back(active.back());
        active.pop_back();
      }
    }
    if (!excess.empty()) {
      expectations_.expect(key, 0, static_cast<int>(excess.size()));
      for (const auto& p : excess) {
        try {
          pod_control_.delete_pod(object::namespace_of(p), object::name_of(p), job);
        } catch (const std::exception&) {
          expectations_.lower(key, 0, 1);
          throw;
        }
      }
    }
    int to_create = want - static_cast<int>(active.size());
    if (to_create <= 0) return;
    const auto wait = backoff_remaining(object::uid_of(job));
    if (wait.count() > 0) {
      enqueue_after(key, chrono::duration_cast<chrono::milliseconds>(wait) + chrono::milliseconds(50));
      return;
    }
    (void)status;
    to_create = std::min(to_create, 500);
    expectations_.expect(key, to_create, 0);
    const Json ref = make_controller_ref(job, "batch/v1", "Job");
    const Json template_ = job["spec"].value("template", Json::object());
    for (int n = 0; n < to_create; ++n) {
      const int index = spec.indexed ? indexes_to_create[n] : -1;
      Json pod = pod_from_template(template_, object::namespace_of(job),
                                   object::name_of(job) + "-" + (index >= 0 ? std::to_string(index) + "-" : ""), ref);
      object::add_finalizer(pod, kJobTrackingFinalizer);
      if (index >= 0) add_completion_index(pod, object::name_of(job), index);
      try {
        Json created = pod_control_.create_pod(pod, job);
        active.push_back(created);
      } catch (const std::exception&) {
        expectations_.lower(key, to_create - n, 0);
        throw;
      }
    }
  }

  static void add_completion_index(Json& pod, const std::string& job_name, int index) {
    const std::string text = std::to_string(index);
    object::set_annotation(pod, kJobCompletionIndex, text);
    object::set_label(pod, kJobCompletionIndex, text);
    auto& spec = pod["spec"];
    if (!spec.contains("hostname")) spec["hostname"] = job_name + "-" + text;
    const Json env = {{"name", "JOB_COMPLETION_INDEX"},
                      {"valueFrom",
                       {{"fieldRef",
                         {{"apiVersion", "v1"},
                          {"fieldPath", std::string("metadata.annotations['") + kJobCompletionIndex + "']"}}}}}};
    for (const char* list : {"initContainers", "containers"}) {
      if (!spec.contains(list) || !spec[list].is_array()) continue;
      for (auto& c : spec[list]) {
        if (!c.contains("env") || !c["env"].is_array()) c["env"] = Json::array();
        bool present = false;
        for (const auto& e : c["env"]) present = present || e.value("name", "") == "JOB_COMPLETION_INDEX";
        if (!present) c["env"].push_back(env);
      }
    }
  }

  Json write_status(const Json& job, const Json& status) {
    Json next = job;
    next["status"] = status;
    return api().update_status(kJobs, next);
  }

  // ---- pod-recreation backoff (per job uid, in memory as kube's backoff store) ----------
  struct Backoff {
    int failures = 0;
    chrono::steady_clock::time_point last_failure;
  };
  void note_backoff(const std::string& uid, int failures, int successes) {
    std::lock_guard lock(backoff_mu_);
    auto& b = backoff_[uid];
    if (successes > 0) b.failures = 0;
    if (failures > 0) {
      b.failures += failures;
      b.last_failure = chrono::steady_clock::now();
    }
  }
  chrono::steady_clock::duration backoff_remaining(const std::string& uid) {
    std::lock_guard lock(backoff_mu_);
    auto it = backoff_.find(uid);
    if (it == backoff_.end() || it->second.failures == 0) return {};
    const auto until = it->second.last_failure + pod_failure_backoff(it->second.failures);
    return std::max<chrono::steady_clock::duration>(until - chrono::steady_clock::now(), {});
  }
  void forget_backoff(const std::string& uid) {
    std::lock_guard lock(backoff_mu_);
    backoff_.erase(uid);
  }

  void release_deleted(const Json& pod) {
    std::lock_guard lock(released_mu_);
    released_.erase(object::uid_of(pod));
  }

  bool was_released(const Json& pod) {
    std::lock_guard lock(released_mu_);
    return released_.count(object::uid_of(pod)) > 0;
  }

  std::shared_ptr<client::SharedInformer> jobs_, pods_;
  std::mutex released_mu_;
  std::set<std::string> released_;
  PodControl pod_control_;
  Expectations expectations_;
  std::mutex backoff_mu_;
  std::map<std::string, Backoff> backoff_;
};

}  // namespace

std::string controller_key(const Json& object, const std::string& kind) {
  const auto ref = object::controller_of(object);
  if (!ref || ref->kind != kind) return "";
  return object::namespace_of(object) + "/" + ref->name;
}

std::unique_ptr<Controller> make_job_controller(ControllerContext& context) {
  return std::make_unique<JobController>(context);
}

}  // namespace k3s::controllers::batch
