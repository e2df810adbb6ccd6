#include "controller.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace k3s::controllers {

// Shared with the extra worker threads, which are detached: they may still be leaving
// (unlocking this mutex) after run() has seen the count reach zero.
struct QueueController::ExtraWorkers {
  std::mutex mu;
  std::condition_variable cv;
  int running = 0;
  int limit = 0;
  bool stopping = false;
};

namespace {
constexpr auto kExtraWorkerIdle = std::chrono::seconds(30);
}

QueueController::QueueController(ControllerContext& context, std::string name)
    : context_(context),
      name_(name),
      recorder_(context.client, name + "-controller"),
      queue_(name),
      extra_(std::make_shared<ExtraWorkers>()) {}

QueueController::~QueueController() { queue_.shut_down(); }

void QueueController::start_extra_worker() {
  std::lock_guard lock(extra_->mu);
  if (extra_->stopping || extra_->running >= extra_->limit) return;
  ++extra_->running;
  std::thread([this, extra = extra_] {
    work(kExtraWorkerIdle);
    std::lock_guard done(extra->mu);
    --extra->running;
    extra->cv.notify_all();
  }).detach();
}

client::EventHandlers QueueController::enqueue_handlers(Deletes deletes) {
  client::EventHandlers handlers{
      .on_add = [this](const ObjectPtr& object) { enqueue(*object); },
      .on_update = [this](const ObjectPtr&, const ObjectPtr& object) { enqueue(*object); },
      .on_delete = nullptr,
  };
  if (deletes == Deletes::enqueue) handlers.on_delete = [this](const client::DeletedObject& d) { enqueue(d.key); };
  return handlers;
}

void QueueController::run(std::stop_token stop) {
  before_workers();
  extra_->limit = std::max(1, options().concurrent_syncs) - 1;
  queue_.on_starved([this] { start_extra_worker(); });
  std::stop_callback shut_down_on_stop(stop, [this] { queue_.shut_down(); });
  std::jthread periodic_thread;
  if (periodic_interval().count() > 0) periodic_thread = std::jthread([this, stop] { run_periodic(stop); });
  // Keys queued before the callback was in place (the informers' initial adds).
  for (std::size_t backlog = queue_.len(); backlog > 1; --backlog) start_extra_worker();
  work(std::nullopt);  // this thread is the resident worker, until `stop` shuts the queue down
  if (periodic_thread.joinable()) periodic_thread.join();
  std::unique_lock extra_lock(extra_->mu);
  extra_->stopping = true;
  extra_->cv.wait(extra_lock, [&] { return extra_->running == 0; });
}

void QueueController::run_periodic(std::stop_token stop) {
  const auto interval = periodic_interval();
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  while (!stop.stop_requested()) {
    cv.wait_for(lock, stop, interval, [] { return false; });
    if (stop.stop_requested()) break;
    lock.unlock();
    try {
      periodic();
    } catch (const std::exception& e) {
      spdlog::warn("{}: {}", name_, e.what());
    }
    lock.lock();
  }
}

void QueueController::work(std::optional<std::chrono::steady_clock::duration> idle) {
  while (auto key = idle ? queue_.get_for(*idle) : queue_.get()) {
    try {
      sync(*key);
      queue_.forget(*key);
    } catch (const std::exception& e) {
      // Conflicts are routine (a stale cache); everything else is worth a line.
      const auto* api_error = dynamic_cast<const client::ApiError*>(&e);
      if (api_error && api_error->is_conflict())
        spdlog::debug("{}: syncing {}: {}", name_, *key, e.what());
      else
        spdlog::warn("{}: syncing {}: {}", name_, *key, e.what());
      queue_.add_rate_limited(*key);
    }
    queue_.done(*key);
  }
}

}  // namespace k3s::controllers
