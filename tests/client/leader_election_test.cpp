#include "client/leader_election.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fake_api_server.h"
#include "object/meta.h"

using namespace k3s::client;
using k3s::client::testing::FakeApiServer;
using namespace std::chrono_literals;

namespace {

constexpr auto kTimeout = 60s;

RestConfig config_for(const FakeApiServer& server) {
  RestConfig config;
  config.server = server.url();
  config.qps = 0;
  config.timeout = 5s;
  return config;
}

// One candidate running its elector on a thread.
struct Candidate {
  Candidate(Client& client, const std::string& id, bool release_on_cancel = true) {
    LeaderElectionConfig config;
    config.lease_name = "test-lock";
    config.identity = id;
    config.lease_duration = 2000ms;
    config.renew_deadline = 1500ms;
    config.retry_period = 200ms;
    config.release_on_cancel = release_on_cancel;
    config.on_started_leading = [this](std::stop_token token) {
      ++started;
      while (!token.stop_requested()) std::this_thread::sleep_for(10ms);
    };
    config.on_stopped_leading = [this] { ++stopped; };
    elector = std::make_unique<LeaderElector>(client, config);
    thread = std::thread([this] { elector->run(); });
  }
  ~Candidate() { halt(); }
  void halt() {
    elector->stop();
    if (thread.joinable()) thread.join();
  }
  std::unique_ptr<LeaderElector> elector;
  std::thread thread;
  std::atomic<int> started{0}, stopped{0};
};

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

}  // namespace

TEST(LeaderElection, RejectsBadConfiguration) {
  FakeApiServer server;
  Client client(config_for(server));
  LeaderElectionConfig config;
  config.lease_name = "x";
  EXPECT_THROW(LeaderElector(client, config), std::invalid_argument);  // no identity
  config.identity = "me";
  config.renew_deadline = config.lease_duration;
  EXPECT_THROW(LeaderElector(client, config), std::invalid_argument);
}

TEST(LeaderElection, OneLeaderThenTakeoverWhenHolderStopsRenewing) {
  FakeApiServer server;
  Client client_a(config_for(server)), client_b(config_for(server));
  auto a = std::make_unique<Candidate>(client_a, "a", /*release_on_cancel=*/false);
  ASSERT_TRUE(eventually([&] { return a->elector->is_leader(); }));
  Candidate b(client_b, "b");
  // b sees a as the holder and does not lead while a renews.
  ASSERT_TRUE(eventually([&] { return b.elector->leader() == "a"; }));
  std::this_thread::sleep_for(1s);
  EXPECT_FALSE(b.elector->is_leader());
  EXPECT_EQ(b.started, 0);

  Json lease = client_a.get(resources::kLeases, "kube-system", "test-lock");
  EXPECT_EQ(lease["spec"]["holderIdentity"], "a");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 2);
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 0);
  EXPECT_TRUE(k3s::object::parse_time(lease["spec"]["renewTime"].get<std::string>()).has_value());
  EXPECT_EQ(lease["spec"]["renewTime"].get<std::string>().size(), std::string("2026-01-01T00:00:00.000000Z").size());

  // a stops without releasing: b takes over once the lease runs out.
  a->halt();
  EXPECT_EQ(a->stopped, 1);
  ASSERT_TRUE(eventually([&] { return b.elector->is_leader(); }));
  // The leading callback runs on a thread of its own, just after the elector says it leads.
  EXPECT_TRUE(eventually([&] { return b.started == 1; }));
  lease = client_b.get(resources::kLeases, "kube-system", "test-lock");
  EXPECT_EQ(lease["spec"]["holderIdentity"], "b");
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 1);
}

TEST(LeaderElection, ReleaseOnStopHandsOverAtOnce) {
  FakeApiServer server;
  Client client(config_for(server));
  Candidate a(client, "a");
  ASSERT_TRUE(eventually([&] { return a.elector->is_leader(); }));
  Candidate b(client, "b");
  ASSERT_TRUE(eventually([&] { return b.elector->leader() == "a"; }));
  a.halt();
  Json lease = client.get(resources::kLeases, "kube-system", "test-lock");
  ASSERT_TRUE(eventually([&] { return b.elector->is_leader(); }));
  EXPECT_EQ(a.stopped, 1);
  EXPECT_TRUE(eventually([&] { return b.started == 1; }));
}

TEST(LeaderElection, LeaderStepsDownWhenServerIsGone) {
  FakeApiServer server;
  Client client(config_for(server));
  Candidate a(client, "a");
  ASSERT_TRUE(eventually([&] { return a.elector->is_leader(); }));
  server.stop();
  // Renewals fail; after the renew deadline run() returns and the callback is told.
  ASSERT_TRUE(eventually([&] { return a.stopped.load() == 1; }));
  EXPECT_FALSE(a.elector->is_leader());
  a.thread.join();
}
