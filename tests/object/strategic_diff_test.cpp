#include <gtest/gtest.h>

#include "object/patch.h"

namespace k3s::object::patch {
namespace {

class StrategicDiff : public ::testing::Test {
 protected:
  std::shared_ptr<const PatchSchema> pod = builtin_patch_schema("", "Pod");
  std::shared_ptr<const PatchSchema> deployment = builtin_patch_schema("apps", "Deployment");

  Json two_way(const char* original, const char* modified) {
    return create_two_way_strategic_merge_patch(Json::parse(original), Json::parse(modified), *pod);
  }
  void expect_round_trip(const Json& original, const Json& modified, const PatchSchema& schema) {
    Json patch = create_two_way_strategic_merge_patch(original, modified, schema);
    EXPECT_EQ(apply_strategic_merge_patch(original, patch, schema), modified) << "patch: " << patch.dump();
  }
};

TEST_F(StrategicDiff, ScalarsMapsAndRemovals) {
  EXPECT_EQ(two_way(R"({"a":1,"b":{"c":2,"d":3}})", R"({"a":2,"b":{"c":2}})"), Json::parse(R"({"a":2,"b":{"d":null}})"));
  EXPECT_EQ(two_way(R"({"a":1})", R"({"a":1})"), Json::object());
  EXPECT_EQ(two_way(R"({})", R"({"x":{"y":[1]}})"), Json::parse(R"({"x":{"y":[1]}})"));
  EXPECT_EQ(two_way(R"({"spec":{"tolerations":[{"key":"a"}]}})", R"({"spec":{"tolerations":[{"key":"b"}]}})"),
            Json::parse(R"({"spec":{"tolerations":[{"key":"b"}]}})"));
}

TEST_F(StrategicDiff, MergeListsOfMaps) {
  EXPECT_EQ(two_way(R"({"spec":{"containers":[{"name":"a","image":"x"}]}})",
                    R"({"spec":{"containers":[{"name":"a","image":"y"}]}})"),
            Json::parse(R"({"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"image":"y","name":"a"}]}})"));
  EXPECT_EQ(two_way(R"({"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}})",
                    R"({"spec":{"containers":[{"name":"a","image":"x"}]}})"),
            Json::parse(R"({"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"$patch":"delete","name":"b"}]}})"));
  // Reordering alone still records the order.
  EXPECT_EQ(two_way(R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})",
                    R"({"spec":{"containers":[{"name":"b"},{"name":"a"}]}})"),
            Json::parse(R"({"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}]}})"));
}

TEST_F(StrategicDiff, PrimitiveMergeLists) {
  EXPECT_EQ(two_way(R"({"metadata":{"finalizers":["a","b"]}})", R"({"metadata":{"finalizers":["a"]}})"),
            Json::parse(R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b"],"$setElementOrder/finalizers":["a"]}})"));
  EXPECT_EQ(two_way(R"({"metadata":{"finalizers":["a"]}})", R"({"metadata":{"finalizers":["a","c"]}})"),
            Json::parse(R"({"metadata":{"$setElementOrder/finalizers":["a","c"],"finalizers":["c"]}})"));
}

TEST_F(StrategicDiff, RetainKeysDirectiveIsBuilt) {
  Json patch = create_two_way_strategic_merge_patch(
      Json::parse(R"({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}})"),
      Json::parse(R"({"spec":{"strategy":{"type":"Recreate"}}})"), *deployment);
  EXPECT_EQ(patch, Json::parse(R"({"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"}}})"));
}

TEST_F(StrategicDiff, RoundTrips) {
  expect_round_trip(
      Json::parse(R"({"metadata":{"labels":{"a":"1"},"finalizers":["x","y"]},
                     "spec":{"containers":[{"name":"a","image":"1","env":[{"name":"E","value":"1"}]},{"name":"b","image":"2"}],
                             "volumes":[{"name":"v","emptyDir":{}}]}})"),
      Json::parse(R"({"metadata":{"labels":{"b":"2"},"finalizers":["y","z"]},
                     "spec":{"containers":[{"name":"c","image":"3"},{"name":"a","image":"1","env":[{"name":"F","value":"2"}]}],
                             "volumes":[{"name":"v","hostPath":{"path":"/x"}}]}})"),
      *pod);
  expect_round_trip(Json::parse(R"({"spec":{"replicas":1,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}},
                                          "template":{"spec":{"containers":[{"name":"w","ports":[{"containerPort":80}]}]}}}})"),
                    Json::parse(R"({"spec":{"replicas":3,"strategy":{"type":"Recreate"},
                                          "template":{"spec":{"containers":[{"name":"w","ports":[{"containerPort":8080},{"containerPort":80,"name":"http"}]}]}}}})"),
                    *deployment);
}

TEST_F(StrategicDiff, ThreeWayKeepsOthersChanges) {
  // last-applied had labels a,b; the new config drops b; someone else added c on the server.
  Json original = Json::parse(R"({"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"containers":[{"name":"web","image":"v1"}]}})");
  Json modified = Json::parse(R"({"metadata":{"labels":{"a":"1"}},"spec":{"containers":[{"name":"web","image":"v2"}]}})");
  Json current = Json::parse(R"({"metadata":{"labels":{"a":"1","b":"2","c":"3"},"uid":"u"},
                                 "spec":{"containers":[{"name":"web","image":"v1","imagePullPolicy":"Always"}],"nodeName":"n1"}})");
  Json patch = create_three_way_strategic_merge_patch(original, modified, current, *pod);
  EXPECT_EQ(patch, Json::parse(R"({"metadata":{"labels":{"b":null}},
      "spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"image":"v2","name":"web"}]}})"));
  Json applied = apply_strategic_merge_patch(current, patch, *pod);
  EXPECT_EQ(applied, Json::parse(R"({"metadata":{"labels":{"a":"1","c":"3"},"uid":"u"},
      "spec":{"containers":[{"name":"web","image":"v2","imagePullPolicy":"Always"}],"nodeName":"n1"}})"));
}

TEST_F(StrategicDiff, ThreeWayDeletesRemovedListItemsAndFinalizers) {
  Json original = Json::parse(R"({"metadata":{"finalizers":["a","b"]},"spec":{"containers":[{"name":"x"},{"name":"y"}]}})");
  Json modified = Json::parse(R"({"metadata":{"finalizers":["a"]},"spec":{"containers":[{"name":"x"}]}})");
  Json current = Json::parse(R"({"metadata":{"finalizers":["a","b","c"]},"spec":{"containers":[{"name":"x"},{"name":"y"},{"name":"z"}]}})");
  Json patch = create_three_way_strategic_merge_patch(original, modified, current, *pod);
  Json applied = apply_strategic_merge_patch(current, patch, *pod);
  EXPECT_EQ(applied["metadata"]["finalizers"], Json::parse(R"(["a","c"])")) << patch.dump();
  EXPECT_EQ(applied["spec"]["containers"], Json::parse(R"([{"name":"x"},{"name":"z"}])")) << patch.dump();
}

TEST_F(StrategicDiff, ThreeWayNoChange) {
  Json cfg = Json::parse(R"({"metadata":{"labels":{"a":"1"}}})");
  Json current = Json::parse(R"({"metadata":{"labels":{"a":"1"},"resourceVersion":"9"}})");
  EXPECT_EQ(create_three_way_strategic_merge_patch(cfg, cfg, current, *pod), Json::object());
}

}  // namespace
}  // namespace k3s::object::patch
