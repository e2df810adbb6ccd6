#include <gtest/gtest.h>

#include "registry.h"
#include "tables.h"

using namespace k3s::apiserver;
using std::chrono::seconds;

TEST(Tables, HumanDurationMatchesKubectlSpelling) {
  EXPECT_EQ(human_duration(seconds(5)), "5s");
  EXPECT_EQ(human_duration(seconds(119)), "119s");
  EXPECT_EQ(human_duration(seconds(125)), "2m5s");
  EXPECT_EQ(human_duration(seconds(600)), "10m");
  EXPECT_EQ(human_duration(seconds(3 * 3600 + 60)), "3h1m");
  EXPECT_EQ(human_duration(seconds(30 * 3600)), "30h");
  EXPECT_EQ(human_duration(seconds(3 * 86400 + 7200)), "3d2h");
  EXPECT_EQ(human_duration(seconds(-5)), "<invalid>");
}

TEST(Tables, NamespaceAndConfigMapColumns) {
  Registry registry;
  register_builtin_types(registry);
  auto ns_type = registry.find("", "v1", "namespaces");
  Json ns = {{"metadata", {{"name", "dev"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}}, {"status", {{"phase", "Active"}}}};
  auto now = std::chrono::sys_days(std::chrono::year{2020} / 1 / 1) + std::chrono::minutes(3);
  Json table = build_table(*ns_type, {&ns}, IncludeObject::metadata, Json::object(), now);
  ASSERT_EQ(table["columnDefinitions"].size(), 3u);
  EXPECT_EQ(table["columnDefinitions"][1]["name"], "Status");
  EXPECT_EQ(table["rows"][0]["cells"], Json({"dev", "Active", "3m"}));
  EXPECT_EQ(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");

  auto cm_type = registry.find("", "v1", "configmaps");
  Json cm = {{"metadata", {{"name", "c"}}}, {"data", {{"a", "1"}, {"b", "2"}}}};
  Json cm_table = build_table(*cm_type, {&cm}, IncludeObject::none, Json::object(), now);
  EXPECT_EQ(cm_table["rows"][0]["cells"][1], 2);
  EXPECT_FALSE(cm_table["rows"][0].contains("object"));
}
