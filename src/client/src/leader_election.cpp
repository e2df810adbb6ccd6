#include "client/leader_election.h"

#include <thread>

#include <spdlog/spdlog.h>

#include "object/meta.h"

namespace k3s::client {
namespace {

// What identifies one state of the Lease for "has it changed since we last looked".
Json record_of(const Json& lease) {
  Json spec = lease.contains("spec") && lease["spec"].is_object() ? lease["spec"] : Json::object();
  return {{"holderIdentity", spec.value("holderIdentity", "")},
          {"renewTime", spec.value("renewTime", "")},
          {"acquireTime", spec.value("acquireTime", "")},
          {"leaseTransitions", spec.value("leaseTransitions", 0)},
          {"leaseDurationSeconds", spec.value("leaseDurationSeconds", 0)}};
}

}  // namespace

LeaderElector::LeaderElector(Client& client, LeaderElectionConfig config) : client_(client), config_(std::move(config)) {
  if (config_.lease_name.empty()) throw std::invalid_argument("leader election: lease name must not be empty");
  if (config_.identity.empty()) throw std::invalid_argument("leader election: identity must not be empty");
  if (config_.lease_duration <= config_.renew_deadline)
    throw std::invalid_argument("leader election: leaseDuration must be greater than renewDeadline");
  if (config_.renew_deadline <= config_.retry_period)
    throw std::invalid_argument("leader election: renewDeadline must be greater than retryPeriod");
  if (config_.retry_period.count() < 1) throw std::invalid_argument("leader election: retryPeriod must be positive");
}

LeaderElector::~LeaderElector() { stop(); }

void LeaderElector::stop() {
  std::lock_guard lock(mu_);
  stopping_ = true;
  cv_.notify_all();
}

std::string LeaderElector::leader() const {
  std::lock_guard lock(mu_);
  return observed_holder_;
}

bool LeaderElector::wait(std::chrono::milliseconds duration) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, duration, [&] { return stopping_.load(); });
  return !stopping_;
}

bool LeaderElector::try_acquire_or_renew() {
  const std::string now = object::format_micro_time(object::now());
  const auto lease_seconds =
      std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count());
  Json lease;
  try {
    lease = client_.get(resources::kLeases, config_.lease_namespace, config_.lease_name);
  } catch (const ApiError& e) {
    if (!e.is_not_found()) {
      spdlog::warn("leader election {}/{}: {}", config_.lease_namespace, config_.lease_name, e.what());
      return false;
    }
    Json fresh = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
                  {"spec",
                   {{"holderIdentity", config_.identity},
                    {"leaseDurationSeconds", lease_seconds},
                    {"acquireTime", now},
                    {"renewTime", now},
                    {"leaseTransitions", 0}}}};
    try {
      Json created = client_.create(resources::kLeases, fresh);
      std::lock_guard lock(mu_);
      observed_spec_ = record_of(created);
      observed_at_ = std::chrono::steady_clock::now();
      observed_holder_ = config_.identity;
      return true;
    } catch (const std::exception& create_error) {
      return false;  // someone else created it first, or the server is unreachable
    }
  } catch (const std::exception& e) {
    spdlog::warn("leader election {}/{}: {}", config_.lease_namespace, config_.lease_name, e.what());
    return false;
  }

  const Json record = record_of(lease);
  const std::string holder = record["holderIdentity"].get<std::string>();
  {
    std::lock_guard lock(mu_);
    if (record != observed_spec_) {
      observed_spec_ = record;
      observed_at_ = std::chrono::steady_clock::now();
    }
    observed_holder_ = holder;
    // Someone else holds a lease that has not run out on our clock: leave it.
    if (!holder.empty() && holder != config_.identity &&
        observed_at_ + config_.lease_duration > std::chrono::steady_clock::now())
      return false;
  }

  Json& spec = lease["spec"];
  if (!spec.is_object()) spec = Json::object();
  if (holder != config_.identity) {
    spec["acquireTime"] = now;
    spec["leaseTransitions"] = record["leaseTransitions"].get<std::int64_t>() + 1;
  }
  spec["holderIdentity"] = config_.identity;
  spec["leaseDurationSeconds"] = lease_seconds;
  spec["renewTime"] = now;
  try {
    Json updated = client_.update(resources::kLeases, lease);  // resourceVersion makes it a compare-and-swap
    std::lock_guard lock(mu_);
    observed_spec_ = record_of(updated);
    observed_at_ = std::chrono::steady_clock::now();
    observed_holder_ = config_.identity;
    return true;
  } catch (const ApiError& e) {
    if (!e.is_conflict())
      spdlog::warn("leader election {}/{}: {}", config_.lease_namespace, config_.lease_name, e.what());
    return false;
  } catch (const std::exception& e) {
    spdlog::warn("leader election {}/{}: {}", config_.lease_namespace, config_.lease_name, e.what());
    return false;
  }
}

void LeaderElector::release() {
  try {
    Json lease = client_.get(resources::kLeases, config_.lease_namespace, config_.lease_name);
    if (lease["spec"].value("holderIdentity", "") != config_.identity) return;
    const std::string now = object::format_micro_time(object::now());
    lease["spec"]["holderIdentity"] = "";
    lease["spec"]["leaseDurationSeconds"] = 1;
    lease["spec"]["renewTime"] = now;
    lease["spec"]["acquireTime"] = now;
    client_.update(resources::kLeases, lease);
  } catch (const std::exception& e) {
    spdlog::warn("leader election {}/{}: releasing the lease: {}", config_.lease_namespace, config_.lease_name,
                 e.what());
  }
}

void LeaderElector::run() {
  std::string last_reported;
  auto report_leader = [&] {
    std::string holder = leader();
    if (holder != last_reported && !holder.empty()) {
      last_reported = holder;
      if (config_.on_new_leader) config_.on_new_leader(holder);
    }
  };

  // Acquire.
  for (;;) {
    if (stopping_) return;
    bool acquired = try_acquire_or_renew();
    report_leader();
    if (acquired) break;
    if (!wait(config_.retry_period)) return;
  }

  leading_ = true;
  std::jthread work;
  if (config_.on_started_leading) work = std::jthread([this](std::stop_token token) { config_.on_started_leading(token); });

  // Renew until we cannot within the deadline.
  auto last_renewed = std::chrono::steady_clock::now();
  bool lost = false;
  while (wait(config_.retry_period)) {
    if (try_acquire_or_renew()) {
      last_renewed = std::chrono::steady_clock::now();
      report_leader();
      continue;
    }
    report_leader();
    if (std::chrono::steady_clock::now() - last_renewed > config_.renew_deadline || leader() != config_.identity) {
      spdlog::info("leader election {}/{}: lost leadership", config_.lease_namespace, config_.lease_name);
      lost = true;
      break;
    }
  }
  leading_ = false;
  work.request_stop();
  if (work.joinable()) work.join();
  if (!lost && config_.release_on_cancel) release();
  if (config_.on_stopped_leading) config_.on_stopped_leading();
}

}  // namespace k3s::client
