#include "apps/deployment_util.h"

#include <gtest/gtest.h>

#include "apps/apps_util.h"

using k3s::controllers::Json;
namespace a = k3s::controllers::apps;

namespace {
Json deployment(int replicas, Json surge, Json unavailable) {
  return Json{{"metadata", {{"name", "web"}, {"generation", 2}}},
              {"spec",
               {{"replicas", replicas},
                {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", surge}, {"maxUnavailable", unavailable}}}}},
                {"template", {{"metadata", {{"labels", {{"app", "web"}}}}}, {"spec", {{"containers", Json::array()}}}}}}}};
}

Json rs(const std::string& name, int replicas, int available = 0) {
  return Json{{"metadata", {{"name", name}, {"uid", name}, {"creationTimestamp", "2026-01-01T00:00:0" + name.substr(name.size() - 1) + "Z"}}},
              {"spec", {{"replicas", replicas}}},
              {"status", {{"replicas", replicas}, {"availableReplicas", available}}}};
}
}  // namespace

TEST(Fenceposts, PercentRoundingAsKube) {
  // 25% of 10: surge rounds up (3), unavailable rounds down (2).
  auto [surge, unavailable] = a::resolve_fenceposts(deployment(10, "25%", "25%"));
  EXPECT_EQ(surge, 3);
  EXPECT_EQ(unavailable, 2);
  // Both zero: one pod may be unavailable so the rollout can move.
  auto zero = a::resolve_fenceposts(deployment(3, 0, 0));
  EXPECT_EQ(zero.first, 0);
  EXPECT_EQ(zero.second, 1);
  // maxUnavailable never exceeds replicas; Recreate has neither.
  EXPECT_EQ(a::max_unavailable(deployment(2, 0, 5)), 2);
  Json recreate = deployment(3, "25%", "25%");
  recreate["spec"]["strategy"] = {{"type", "Recreate"}};
  EXPECT_EQ(a::max_surge(recreate), 0);
  EXPECT_EQ(a::max_unavailable(recreate), 0);
}

TEST(ScaledValue, IntsPercentsAndBadInput) {
  EXPECT_EQ(a::scaled_value(Json(4), 10, true), 4);
  EXPECT_EQ(a::scaled_value(Json("50%"), 5, true), 3);
  EXPECT_EQ(a::scaled_value(Json("50%"), 5, false), 2);
  EXPECT_THROW(a::scaled_value(Json("50"), 5, true), std::invalid_argument);
  EXPECT_THROW(a::scaled_value(Json("x%"), 5, true), std::invalid_argument);
}

TEST(NewReplicaSet, SurgeBoundsTheScaleUp) {
  Json d = deployment(4, 1, 0);
  Json old_rs = rs("web-1", 4, 4), new_rs = rs("web-2", 0);
  EXPECT_EQ(a::new_rs_new_replicas(d, {old_rs, new_rs}, new_rs), 1);  // 4 + 1 surge
  new_rs["spec"]["replicas"] = 1;
  EXPECT_EQ(a::new_rs_new_replicas(d, {old_rs, new_rs}, new_rs), 1);  // at the surge limit
  old_rs["spec"]["replicas"] = 2;
  EXPECT_EQ(a::new_rs_new_replicas(d, {old_rs, new_rs}, new_rs), 3);
}

TEST(Templates, EqualIgnoringHashAndEmptyFields) {
  Json t1 = Json::parse(R"({"metadata":{"labels":{"app":"web","pod-template-hash":"abc"}},
                            "spec":{"containers":[{"name":"c","image":"nginx"}]}})");
  // What kubectl rollout undo sends back after a Go round trip.
  Json t2 = Json::parse(R"({"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},
                            "spec":{"containers":[{"name":"c","image":"nginx","resources":{}}]}})");
  EXPECT_TRUE(a::equal_ignore_hash(t1, t2));
  t2["spec"]["containers"][0]["image"] = "nginx:2";
  EXPECT_FALSE(a::equal_ignore_hash(t1, t2));
}

TEST(Revisions, AnnotationsOnNewAndReusedSets) {
  Json d = deployment(3, "25%", "25%");
  Json fresh = rs("web-1", 0);
  EXPECT_TRUE(a::set_new_rs_annotations(d, fresh, 1, false));
  EXPECT_EQ(a::revision_of(fresh), 1);
  EXPECT_EQ(fresh["metadata"]["annotations"][a::kDesiredReplicasAnnotation], "3");
  EXPECT_EQ(fresh["metadata"]["annotations"][a::kMaxReplicasAnnotation], "4");
  // A rollback reuses the set: it takes the next revision and remembers the old one.
  EXPECT_TRUE(a::set_new_rs_annotations(d, fresh, 3, true));
  EXPECT_EQ(a::revision_of(fresh), 3);
  EXPECT_EQ(fresh["metadata"]["annotations"][a::kRevisionHistoryAnnotation], "1");
  EXPECT_FALSE(a::set_new_rs_annotations(d, fresh, 3, true));
  EXPECT_EQ(a::max_revision({fresh, rs("web-2", 0)}), 3);
}

TEST(Status, CountsAndAvailability) {
  Json d = deployment(3, "25%", "25%");
  Json old_rs = rs("web-1", 1, 1), new_rs = rs("web-2", 3, 2);
  Json status = a::calculate_status({old_rs, new_rs}, new_rs, d);
  EXPECT_EQ(status["replicas"], 4);
  EXPECT_EQ(status["updatedReplicas"], 3);
  EXPECT_EQ(status["availableReplicas"], 3);
  EXPECT_EQ(status["unavailableReplicas"], 1);
  EXPECT_EQ(status["observedGeneration"], 2);
  const Json* available = a::find_condition(status, "Available");
  ASSERT_NE(available, nullptr);
  EXPECT_EQ((*available)["reason"], a::kMinimumAvailable);
  EXPECT_FALSE(a::deployment_complete(d, status));
}
