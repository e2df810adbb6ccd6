// The DaemonSet RollingUpdate arithmetic: maxUnavailable (delete first) and maxSurge
// (create first, delete the old pod once the new one is available).
#include "apps/daemon_update.h"

#include <gtest/gtest.h>

#include <memory>

using k3s::controllers::Json;
using k3s::controllers::ObjectPtr;
namespace a = k3s::controllers::apps;

namespace {
const auto kNow = std::chrono::system_clock::from_time_t(1800000000);  // 2027-01-15T08:00:00Z
const char* kEarlier = "2027-01-15T07:00:00Z";                     // an hour before kNow
const char* kJustNow = "2027-01-15T07:59:55Z";                     // 5 s before kNow

Json daemon_set(Json rolling_update, int min_ready = 0) {
  return Json{{"metadata", {{"name", "agent"}}},
              {"spec",
               {{"minReadySeconds", min_ready},
                {"updateStrategy", {{"type", "RollingUpdate"}, {"rollingUpdate", rolling_update}}}}}};
}

// A pod of revision `hash`, ready since `ready_since` (empty: not ready).
ObjectPtr pod(const std::string& name, const std::string& hash, const std::string& ready_since,
              const std::string& created = "2027-01-15T06:00:00Z") {
  Json p = {{"metadata", {{"name", name}, {"creationTimestamp", created}, {"labels", {{"controller-revision-hash", hash}}}}},
            {"status", {{"phase", "Running"}}}};
  if (!ready_since.empty())
    p["status"]["conditions"] = Json::array({{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", ready_since}}});
  return std::make_shared<const Json>(p);
}

std::map<std::string, bool> all_run(std::initializer_list<const char*> nodes) {
  std::map<std::string, bool> out;
  for (const char* n : nodes) out[n] = true;
  return out;
}

std::vector<std::string> names(const std::vector<ObjectPtr>& pods) {
  std::vector<std::string> out;
  for (const auto& p : pods) out.push_back((*p)["metadata"]["name"]);
  return out;
}
}  // namespace

TEST(DaemonUpdateBudget, PercentagesRoundUp) {
  auto b = a::daemon_update_budget(daemon_set({{"maxSurge", "10%"}, {"maxUnavailable", 0}}), 15);
  EXPECT_EQ(b.max_surge, 2);  // 1.5 -> 2
  EXPECT_EQ(b.max_unavailable, 0);
  b = a::daemon_update_budget(daemon_set({{"maxUnavailable", "30%"}}), 5);
  EXPECT_EQ(b.max_surge, 0);
  EXPECT_EQ(b.max_unavailable, 2);  // 1.5 -> 2
}

TEST(DaemonUpdateBudget, DefaultsAndBothZero) {
  auto b = a::daemon_update_budget(Json{{"spec", Json::object()}}, 4);
  EXPECT_EQ(b.max_surge, 0);
  EXPECT_EQ(b.max_unavailable, 1);
  // 0% of 3 nodes for both would stall the update: one node may go.
  b = a::daemon_update_budget(daemon_set({{"maxSurge", "0%"}, {"maxUnavailable", "0%"}}), 3);
  EXPECT_EQ(b.max_unavailable, 1);
  // A malformed value falls back to the default rather than stopping the controller.
  b = a::daemon_update_budget(daemon_set({{"maxSurge", "ten"}, {"maxUnavailable", 0}}), 3);
  EXPECT_EQ(b.max_surge, 0);
  EXPECT_EQ(b.max_unavailable, 1);
}

TEST(DaemonRollingUpdate, SurgeCreatesBeforeDeleting) {
  const Json ds = daemon_set({{"maxSurge", 1}, {"maxUnavailable", 0}});
  a::DaemonPodsByNode pods = {{"n1", {pod("old-1", "v1", kEarlier)}}, {"n2", {pod("old-2", "v1", kEarlier)}}};
  auto plan = a::plan_rolling_update(ds, pods, all_run({"n1", "n2"}), "v2", kNow);
  EXPECT_EQ(plan.create_on, std::vector<std::string>{"n1"});  // one surge node, nothing deleted
  EXPECT_TRUE(plan.remove.empty());

  // The new pod on n1 is not ready: the surge is used up, nothing more happens.
  pods["n1"].push_back(pod("new-1", "v2", ""));
  plan = a::plan_rolling_update(ds, pods, all_run({"n1", "n2"}), "v2", kNow);
  EXPECT_TRUE(plan.create_on.empty());
  EXPECT_TRUE(plan.remove.empty());

  // Available: the old pod on n1 goes, which frees the surge slot for n2 in the same pass.
  pods["n1"][1] = pod("new-1", "v2", kEarlier);
  plan = a::plan_rolling_update(ds, pods, all_run({"n1", "n2"}), "v2", kNow);
  EXPECT_EQ(names(plan.remove), std::vector<std::string>{"old-1"});
  EXPECT_EQ(plan.create_on, std::vector<std::string>{"n2"});
}

TEST(DaemonRollingUpdate, SurgeHonoursMinReadySeconds) {
  const Json ds = daemon_set({{"maxSurge", 1}, {"maxUnavailable", 0}}, 30);
  a::DaemonPodsByNode pods = {{"n1", {pod("old-1", "v1", kEarlier), pod("new-1", "v2", kJustNow)}}};
  auto plan = a::plan_rolling_update(ds, pods, all_run({"n1"}), "v2", kNow);
  EXPECT_TRUE(plan.remove.empty());  // ready 5 s, needs 30
  EXPECT_TRUE(plan.waiting_for_availability);
  plan = a::plan_rolling_update(ds, pods, all_run({"n1"}), "v2", kNow + std::chrono::seconds(30));
  EXPECT_EQ(names(plan.remove), std::vector<std::string>{"old-1"});
}

TEST(DaemonRollingUpdate, SurgeReplacesUnavailableOldPodsWithoutBudget) {
  const Json ds = daemon_set({{"maxSurge", 1}, {"maxUnavailable", 0}});
  a::DaemonPodsByNode pods = {{"n1", {pod("old-1", "v1", "")}},
                              {"n2", {pod("old-2", "v1", "")}},
                              {"n3", {pod("old-3", "v1", kEarlier)}}};
  auto plan = a::plan_rolling_update(ds, pods, all_run({"n1", "n2", "n3"}), "v2", kNow);
  // Unavailable old pods lose nothing by being replaced; n3 takes the one surge slot.
  EXPECT_EQ(plan.create_on, (std::vector<std::string>{"n1", "n2", "n3"}));
}

TEST(DaemonRollingUpdate, SurgePercentOfNodes) {
  const Json ds = daemon_set({{"maxSurge", "50%"}, {"maxUnavailable", 0}});
  a::DaemonPodsByNode pods;
  for (const char* n : {"n1", "n2", "n3"}) pods[n] = {pod(std::string("old-") + n, "v1", kEarlier)};
  auto plan = a::plan_rolling_update(ds, pods, all_run({"n1", "n2", "n3"}), "v2", kNow);
  EXPECT_EQ(plan.create_on.size(), 2u);  // 1.5 rounds up
}

TEST(DaemonRollingUpdate, UnavailableDeletesFirst) {
  const Json ds = daemon_set({{"maxUnavailable", 1}});
  a::DaemonPodsByNode pods = {{"n1", {pod("old-1", "v1", kEarlier)}}, {"n2", {pod("old-2", "v1", kEarlier)}}};
  auto plan = a::plan_rolling_update(ds, pods, all_run({"n1", "n2"}), "v2", kNow);
  EXPECT_EQ(names(plan.remove), std::vector<std::string>{"old-1"});
  EXPECT_TRUE(plan.create_on.empty());  // the manage step creates on the emptied node
  // n1 now has no pod: it counts as unavailable, n2 waits.
  pods.erase("n1");
  plan = a::plan_rolling_update(ds, pods, all_run({"n1", "n2"}), "v2", kNow);
  EXPECT_TRUE(plan.remove.empty());
}

TEST(DaemonSurplus, SurgeKeepsOneOfEachRevision) {
  auto old_a = pod("old-a", "v1", kEarlier, "2027-01-15T06:00:00Z");
  auto old_b = pod("old-b", "v1", kEarlier, "2027-01-15T06:00:01Z");
  auto new_a = pod("new-a", "v2", "", "2027-01-15T06:00:02Z");
  auto new_b = pod("new-b", "v2", "", "2027-01-15T06:00:03Z");
  EXPECT_EQ(names(a::surplus_daemon_pods({new_b, old_a, new_a, old_b}, "v2", true)),
            (std::vector<std::string>{"old-b", "new-b"}));
  EXPECT_TRUE(a::surplus_daemon_pods({old_a, new_a}, "v2", true).empty());
  // Without surge only the oldest stays.
  EXPECT_EQ(names(a::surplus_daemon_pods({new_a, old_a}, "v2", false)), std::vector<std::string>{"new-a"});
}
