#include "pod_workers.h"

#include <set>

#include <spdlog/spdlog.h>

#include "object/meta.h"

namespace k3s::kubelet {
using namespace std::chrono_literals;

PodWorkers::PodWorkers(SyncContext context) : context_(context), syncer_(context) {}

PodWorkers::~PodWorkers() { stop(); }

void PodWorkers::start() {
  if (relist_.joinable()) return;
  relist_ = std::thread([this] { relist_loop(); });
}

void PodWorkers::stop() {
  stopping_ = true;
  stop_cv_.notify_all();
  std::map<std::string, std::shared_ptr<Worker>> workers;
  {
    std::lock_guard lock(mu_);
    workers = workers_;
  }
  for (auto& [uid, worker] : workers) {
    {
      std::lock_guard lock(worker->mu);
      worker->wake = true;
    }
    worker->cv.notify_all();
  }
  for (auto& [uid, worker] : workers)
    if (worker->thread.joinable()) worker->thread.join();
  if (relist_.joinable()) relist_.join();
  std::lock_guard lock(mu_);
  workers_.clear();
}

void PodWorkers::update(const client::ObjectPtr& pod) {
  if (stopping_) return;
  const std::string uid = object::uid_of(*pod);
  std::shared_ptr<Worker> worker;
  {
    std::lock_guard lock(mu_);
    auto it = workers_.find(uid);
    if (it != workers_.end()) {
      // A pod uid is never reused: once its worker has terminated it, later events change nothing.
      if (it->second->done) return;
      worker = it->second;
    } else {
      worker = std::make_shared<Worker>();
      worker->pod = pod;
      workers_[uid] = worker;
      worker->thread = std::thread([this, worker] { run(worker); });
      return;
    }
  }
  {
    std::lock_guard lock(worker->mu);
    worker->pod = pod;
    worker->wake = true;
  }
  worker->cv.notify_all();
}

void PodWorkers::remove(const client::ObjectPtr& last_known) {
  const std::string uid = object::uid_of(*last_known);
  std::shared_ptr<Worker> worker;
  {
    std::lock_guard lock(mu_);
    auto it = workers_.find(uid);
    if (it == workers_.end()) return;
    worker = it->second;
    bool done;
    {
      std::lock_guard worker_lock(worker->mu);
      done = worker->done;
    }
    if (done) {
      // The object is gone and so are its containers: forget the worker.
      if (worker->thread.joinable()) worker->thread.join();
      workers_.erase(it);
      return;
    }
  }
  {
    std::lock_guard lock(worker->mu);
    worker->removed = true;
    worker->wake = true;
  }
  worker->cv.notify_all();
}

void PodWorkers::wake(const std::string& uid) {
  std::shared_ptr<Worker> worker;
  {
    std::lock_guard lock(mu_);
    auto it = workers_.find(uid);
    if (it == workers_.end()) return;
    worker = it->second;
  }
  {
    std::lock_guard lock(worker->mu);
    worker->wake = true;
  }
  worker->cv.notify_all();
}

void PodWorkers::wake_all() {
  std::vector<std::string> uids;
  {
    std::lock_guard lock(mu_);
    for (const auto& [uid, w] : workers_) uids.push_back(uid);
  }
  for (const auto& uid : uids) wake(uid);
}

void PodWorkers::run(const std::shared_ptr<Worker>& worker) {
  auto next = 0ms;
  while (!stopping_) {
    client::ObjectPtr pod;
    bool removed;
    {
      std::unique_lock lock(worker->mu);
      worker->cv.wait_for(lock, next, [&] { return worker->wake || stopping_.load(); });
      worker->wake = false;
      pod = worker->pod;
      removed = worker->removed;
    }
    if (stopping_) return;
    try {
      const Json& object = *pod;
      if (removed || object::is_being_deleted(object)) {
        // Deleted with grace: stop within the grace period, then remove the object for good.
        int64_t grace = object::deletion_grace_period_seconds_of(object).value_or(
            object["spec"].value("terminationGracePeriodSeconds", int64_t{30}));
        if (removed) grace = std::min<int64_t>(grace, 2);
        syncer_.terminate(object, worker->state, grace, !removed);
        std::lock_guard lock(worker->mu);
        worker->done = true;
        return;
      }
      next = syncer_.sync(object, worker->state);
    } catch (const std::exception& e) {
      spdlog::warn("kubelet: error syncing pod {}/{}: {}", object::namespace_of(*pod), object::name_of(*pod), e.what());
      next = 2s;
    }
  }
}

void PodWorkers::relist_loop() {
  // A cheap PLEG: one ListContainers a second; a pod whose containers changed state is synced now.
  std::map<std::string, std::pair<std::string, int>> last;  // container id -> (pod uid, state)
  std::mutex sleep_mu;
  while (!stopping_) {
    try {
      std::map<std::string, std::pair<std::string, int>> current;
      std::set<std::string> changed;
      for (const auto& c : context_.runtime.list_containers()) {
        auto uid = c.labels().find(kPodUidLabel);
        if (uid == c.labels().end()) continue;
        current[c.id()] = {uid->second, c.state()};
        auto before = last.find(c.id());
        if (before == last.end() || before->second.second != c.state()) changed.insert(uid->second);
      }
      for (const auto& [id, entry] : last)
        if (!current.count(id)) changed.insert(entry.first);
      last = std::move(current);
      for (const auto& uid : changed) wake(uid);
    } catch (const std::exception& e) {
      spdlog::debug("kubelet: relist: {}", e.what());
    }
    std::unique_lock lock(sleep_mu);
    stop_cv_.wait_for(lock, 1s, [this] { return stopping_.load(); });
  }
}

void PodWorkers::cleanup_orphans(const std::vector<client::ObjectPtr>& pods) {
  std::set<std::string> known;
  for (const auto& pod : pods) known.insert(object::uid_of(*pod));
  try {
    for (const auto& sandbox : context_.runtime.list_pod_sandbox()) {
      auto uid = sandbox.labels().find(kPodUidLabel);
      if (uid == sandbox.labels().end() || known.count(uid->second)) continue;
      spdlog::info("kubelet: removing sandbox {} of pod {}/{} that no longer exists", sandbox.id(),
                   sandbox.metadata().namespace_(), sandbox.metadata().name());
      Json pod{{"metadata",
                {{"uid", uid->second}, {"name", sandbox.metadata().name()}, {"namespace", sandbox.metadata().namespace_()}}},
               {"spec", Json::object()}};
      PodState state;
      syncer_.terminate(pod, state, 2, false);
    }
  } catch (const std::exception& e) {
    spdlog::warn("kubelet: cleaning up orphaned sandboxes: {}", e.what());
  }
}

std::vector<Json> PodWorkers::pods() const {
  std::vector<Json> out;
  std::lock_guard lock(mu_);
  for (const auto& [uid, worker] : workers_) {
    std::lock_guard worker_lock(worker->mu);
    if (!worker->done && worker->pod) out.push_back(*worker->pod);
  }
  return out;
}

}  // namespace k3s::kubelet
