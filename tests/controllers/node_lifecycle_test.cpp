#include <gtest/gtest.h>

#include "core/taints.h"

using k3s::controllers::Json;
using namespace k3s::controllers::core;
namespace object = k3s::object;

namespace {
const Json kUnreachable = {{"key", "node.kubernetes.io/unreachable"}, {"effect", "NoExecute"}, {"timeAdded", "2026-11-22T13:00:00Z"}};
object::Timestamp at(const std::string& t) { return *object::parse_time(t); }
}  // namespace

TEST(Taints, TolerationMatching) {
  EXPECT_TRUE(tolerates({{"key", "node.kubernetes.io/unreachable"}, {"operator", "Exists"}}, kUnreachable));
  EXPECT_TRUE(tolerates({{"operator", "Exists"}}, kUnreachable));
  EXPECT_FALSE(tolerates({{"key", ""}, {"operator", "Equal"}}, kUnreachable));
  EXPECT_FALSE(tolerates({{"key", "node.kubernetes.io/unreachable"}, {"operator", "Exists"}, {"effect", "NoSchedule"}},
                         kUnreachable));
  EXPECT_TRUE(tolerates({{"key", "k"}, {"value", "v"}}, {{"key", "k"}, {"value", "v"}, {"effect", "NoExecute"}}));
  EXPECT_FALSE(tolerates({{"key", "k"}, {"value", "w"}}, {{"key", "k"}, {"value", "v"}, {"effect", "NoExecute"}}));
}

TEST(Taints, EvictionTime) {
  const auto now = at("2026-11-22T13:00:10Z");
  const Json taints = Json::array({kUnreachable, {{"key", "x"}, {"effect", "NoSchedule"}}});
  // Not tolerated: evicted from the moment the taint was added.
  EXPECT_EQ(eviction_time(taints, Json::array(), now), at("2026-11-22T13:00:00Z"));
  // Tolerated for a while: the smallest tolerationSeconds counts.
  Json bounded = Json::array({{{"key", "node.kubernetes.io/unreachable"}, {"operator", "Exists"}, {"effect", "NoExecute"},
                               {"tolerationSeconds", 300}},
                              {{"operator", "Exists"}, {"effect", "NoExecute"}, {"tolerationSeconds", 30}}});
  EXPECT_EQ(eviction_time(taints, bounded, now), at("2026-11-22T13:00:30Z"));
  // Tolerated forever.
  EXPECT_EQ(eviction_time(taints, Json::array({{{"operator", "Exists"}}}), now), std::nullopt);
  // Only NoSchedule taints: nothing to do.
  EXPECT_EQ(eviction_time(Json::array({{{"key", "x"}, {"effect", "NoSchedule"}}}), Json::array(), now), std::nullopt);
}

TEST(Taints, ConditionTaints) {
  EXPECT_TRUE(condition_taints("True", "t").empty());
  EXPECT_TRUE(condition_taints("", "t").empty());
  Json unknown = condition_taints("Unknown", "t");
  ASSERT_EQ(unknown.size(), 2u);
  EXPECT_EQ(unknown[0], Json({{"key", "node.kubernetes.io/unreachable"}, {"effect", "NoSchedule"}}));
  EXPECT_EQ(unknown[1]["timeAdded"], "t");
  EXPECT_EQ(condition_taints("False", "t")[1]["key"], "node.kubernetes.io/not-ready");
}

TEST(Taints, MergeKeepsForeignTaintsAndTimeAdded) {
  Json current = Json::array({{{"key", "dedicated"}, {"value", "gpu"}, {"effect", "NoSchedule"}}, kUnreachable});
  Json merged = merge_condition_taints(current, condition_taints("Unknown", "later"));
  ASSERT_EQ(merged.size(), 3u);
  EXPECT_EQ(merged[0]["key"], "dedicated");
  EXPECT_EQ(merged[2]["timeAdded"], "2026-11-22T13:00:00Z");
  // Recovery drops only the managed ones.
  EXPECT_EQ(merge_condition_taints(merged, Json::array()), Json::array({current[0]}));
}
