#include "controller.h"

#include <spdlog/spdlog.h>

#include <thread>

namespace k3s::controllers {

QueueController::QueueController(ControllerContext& context, std::string name)
    : context_(context), name_(name), recorder_(context.client, name + "-controller"), queue_(name) {}

QueueController::~QueueController() { queue_.shut_down(); }

void QueueController::run(std::stop_token stop) {
  before_workers();
  std::vector<std::jthread> threads;
  const int workers = std::max(1, options().concurrent_syncs);
  for (int i = 0; i < workers; ++i) threads.emplace_back([this] { worker(); });
  const auto interval = periodic_interval();
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  while (!stop.stop_requested()) {
    if (interval.count() > 0) {
      cv.wait_for(lock, stop, interval, [] { return false; });
      if (stop.stop_requested()) break;
      lock.unlock();
      try {
        periodic();
      } catch (const std::exception& e) {
        spdlog::warn("{}: {}", name_, e.what());
      }
      lock.lock();
    } else {
      cv.wait(lock, stop, [] { return false; });
    }
  }
  queue_.shut_down();
  threads.clear();
}

void QueueController::worker() {
  while (auto key = queue_.get()) {
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
