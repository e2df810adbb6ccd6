#include <gtest/gtest.h>

#include "object/patch.h"

namespace k3s::object::patch {
namespace {

class StrategicMerge : public ::testing::Test {
 protected:
  std::shared_ptr<const PatchSchema> pod = builtin_patch_schema("", "Pod");
  std::shared_ptr<const PatchSchema> deployment = builtin_patch_schema("apps", "Deployment");

  Json apply_pod(const char* original, const char* patch) {
    return apply_strategic_merge_patch(Json::parse(original), Json::parse(patch), *pod);
  }
  std::string error(const char* original, const char* patch, PatchErrorCode* code = nullptr) {
    try {
      apply_pod(original, patch);
    } catch (const PatchError& e) {
      if (code) *code = e.code();
      return e.what();
    }
    return "<no error>";
  }
};

TEST_F(StrategicMerge, BuiltinSchemaLookups) {
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->lookup("spec.containers"), (PatchMeta{{"merge"}, "name"}));
  EXPECT_EQ(pod->lookup("spec.containers[].ports"), (PatchMeta{{"merge"}, "containerPort"}));
  EXPECT_EQ(pod->lookup("spec.initContainers[].env"), (PatchMeta{{"merge"}, "name"}));
  EXPECT_EQ(pod->lookup("spec.containers[].volumeMounts"), (PatchMeta{{"merge"}, "mountPath"}));
  EXPECT_EQ(pod->lookup("spec.volumes"), (PatchMeta{{"merge", "retainKeys"}, "name"}));
  EXPECT_EQ(pod->lookup("spec.tolerations"), PatchMeta{});
  EXPECT_EQ(pod->lookup("metadata.finalizers"), (PatchMeta{{"merge"}, ""}));
  EXPECT_EQ(pod->lookup("metadata.ownerReferences"), (PatchMeta{{"merge"}, "uid"}));
  EXPECT_EQ(pod->lookup("status.conditions"), (PatchMeta{{"merge"}, "type"}));
  EXPECT_EQ(pod->lookup("spec.unknown.deeper"), PatchMeta{});
  EXPECT_EQ(deployment->lookup("spec.template.spec.containers[].env"), (PatchMeta{{"merge"}, "name"}));
  EXPECT_EQ(deployment->lookup("spec.template.metadata.finalizers"), (PatchMeta{{"merge"}, ""}));
  EXPECT_EQ(deployment->lookup("spec.strategy"), (PatchMeta{{"retainKeys"}, ""}));
  EXPECT_EQ(builtin_patch_schema("batch", "CronJob")->lookup("spec.jobTemplate.spec.template.spec.volumes"),
            (PatchMeta{{"merge", "retainKeys"}, "name"}));
  EXPECT_EQ(builtin_patch_schema("apps", "StatefulSet")->lookup("spec.volumeClaimTemplates[].metadata.finalizers"),
            (PatchMeta{{"merge"}, ""}));
  EXPECT_EQ(builtin_patch_schema("", "Service")->lookup("spec.ports"), (PatchMeta{{"merge"}, "port"}));
  EXPECT_EQ(builtin_patch_schema("", "Node")->lookup("spec.taints"), PatchMeta{});
  EXPECT_EQ(builtin_patch_schema("", "Node")->lookup("spec.podCIDRs"), (PatchMeta{{"merge"}, ""}));
  EXPECT_EQ(builtin_patch_schema("", "ConfigMap")->lookup("metadata.ownerReferences"), (PatchMeta{{"merge"}, "uid"}));
  EXPECT_EQ(builtin_patch_schema("policy", "PodDisruptionBudget")->lookup("spec.selector"), (PatchMeta{{"replace"}, ""}));
  EXPECT_EQ(builtin_patch_schema("example.com", "Widget"), nullptr);
  EXPECT_EQ(builtin_patch_schema("apps", "Pod"), nullptr);
}

TEST_F(StrategicMerge, MapsMergeAndNullDeletes) {
  EXPECT_EQ(apply_pod(R"({"metadata":{"labels":{"a":"1","b":"2"}}})", R"({"metadata":{"labels":{"b":null,"c":"3"}}})"),
            Json::parse(R"({"metadata":{"labels":{"a":"1","c":"3"}}})"));
  // A null for a missing key deletes nothing and is not stored.
  EXPECT_EQ(apply_pod(R"({"spec":{}})", R"({"spec":{"nodeName":null,"x":{"y":null,"z":1}}})"),
            Json::parse(R"({"spec":{"x":{"z":1}}})"));
  // Type changes replace.
  EXPECT_EQ(apply_pod(R"({"spec":{"a":[1]}})", R"({"spec":{"a":{"b":1}}})"), Json::parse(R"({"spec":{"a":{"b":1}}})"));
}

TEST_F(StrategicMerge, ContainersMergeByName) {
  const char* original = R"({"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}})";
  EXPECT_EQ(apply_pod(original, R"({"spec":{"containers":[{"name":"b","image":"z"}]}})"),
            Json::parse(R"({"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"z"}]}})"));
  // New elements go before the server-only ones (kube-apiserver's ordering).
  EXPECT_EQ(apply_pod(original, R"({"spec":{"containers":[{"name":"c","image":"w"}]}})"),
            Json::parse(
                R"({"spec":{"containers":[{"name":"c","image":"w"},{"name":"a","image":"x"},{"name":"b","image":"y"}]}})"));
  // Nested merge lists: env by name, ports by containerPort.
  EXPECT_EQ(apply_pod(R"({"spec":{"containers":[{"name":"a","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
                          "ports":[{"containerPort":80,"protocol":"TCP"}]}]}})",
                      R"({"spec":{"containers":[{"name":"a","env":[{"name":"B","value":"3"}],
                          "ports":[{"containerPort":80,"name":"http"},{"containerPort":443}]}]}})"),
            Json::parse(R"({"spec":{"containers":[{"name":"a","env":[{"name":"A","value":"1"},{"name":"B","value":"3"}],
                          "ports":[{"containerPort":80,"protocol":"TCP","name":"http"},{"containerPort":443}]}]}})"));
}

TEST_F(StrategicMerge, ListDirectives) {
  const char* original = R"({"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}})";
  EXPECT_EQ(apply_pod(original, R"({"spec":{"containers":[{"name":"a","$patch":"delete"}]}})"),
            Json::parse(R"({"spec":{"containers":[{"name":"b","image":"y"}]}})"));
  EXPECT_EQ(apply_pod(original, R"({"spec":{"containers":[{"$patch":"replace"},{"name":"z","image":"q"}]}})"),
            Json::parse(R"({"spec":{"containers":[{"name":"z","image":"q"}]}})"));
  PatchErrorCode code{};
  EXPECT_EQ(error(original, R"({"spec":{"containers":[{"$patch":"merge"}]}})", &code),
            "merging lists cannot yet be specified in the patch");
  EXPECT_EQ(code, PatchErrorCode::internal);
  EXPECT_EQ(error(original, R"({"spec":{"containers":[{"image":"q"}]}})"),
            "map: map[image:q] does not contain declared merge key: name");
  EXPECT_EQ(error(original, R"({"spec":{"containers":[{"$patch":"delete"}]}})"),
            "map: map[$patch:delete] does not contain declared merge key: name");
}

TEST_F(StrategicMerge, MapDirectives) {
  EXPECT_EQ(apply_pod(R"({"spec":{"nodeSelector":{"a":"1","b":"2"}}})",
                      R"({"spec":{"nodeSelector":{"$patch":"replace","c":"3"}}})"),
            Json::parse(R"({"spec":{"nodeSelector":{"c":"3"}}})"));
  EXPECT_EQ(apply_pod(R"({"spec":{"nodeSelector":{"a":"1"}}})", R"({"spec":{"nodeSelector":{"$patch":"delete"}}})"),
            Json::parse(R"({"spec":{"nodeSelector":{}}})"));
  EXPECT_EQ(apply_pod(R"({"metadata":{"name":"p"}})", R"({"$patch":"replace","spec":{"x":1}})"),
            Json::parse(R"({"spec":{"x":1}})"));
  EXPECT_EQ(error(R"({"spec":{"a":{}}})", R"({"spec":{"a":{"$patch":"bogus"}}})"),
            "unknown patch type: bogus in map: map[$patch:bogus]");
  // A directive-only value for a new field adds nothing.
  EXPECT_EQ(apply_pod(R"({"spec":{}})", R"({"spec":{"newmap":{"$patch":"delete"}}})"), Json::parse(R"({"spec":{}})"));
}

TEST_F(StrategicMerge, PrimitiveMergeListsAndDeleteFromPrimitiveList) {
  EXPECT_EQ(apply_pod(R"({"metadata":{"finalizers":["a","b"]}})", R"({"metadata":{"finalizers":["c","a"]}})"),
            Json::parse(R"({"metadata":{"finalizers":["c","a","b"]}})"));
  EXPECT_EQ(apply_pod(R"({"metadata":{"finalizers":["a","b","c"]}})",
                      R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b","zzz"]}})"),
            Json::parse(R"({"metadata":{"finalizers":["a","c"]}})"));
  EXPECT_EQ(apply_pod(R"({"metadata":{}})", R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}})"),
            Json::parse(R"({"metadata":{}})"));
  // Lists without a strategy are replaced, including primitive ones.
  EXPECT_EQ(apply_pod(R"({"spec":{"containers":[{"name":"a","args":["1","2"]}]}})",
                      R"({"spec":{"containers":[{"name":"a","args":["3"]}]}})"),
            Json::parse(R"({"spec":{"containers":[{"name":"a","args":["3"]}]}})"));
  EXPECT_EQ(apply_pod(R"({"spec":{"tolerations":[{"key":"a"},{"key":"b"}]}})", R"({"spec":{"tolerations":[{"key":"c"}]}})"),
            Json::parse(R"({"spec":{"tolerations":[{"key":"c"}]}})"));
}

TEST_F(StrategicMerge, SetElementOrder) {
  const char* original = R"({"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"2"},{"name":"c","image":"3"}]}})";
  EXPECT_EQ(apply_pod(original, R"({"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"},{"name":"b"}],
                                    "containers":[{"name":"a","image":"9"}]}})"),
            Json::parse(
                R"({"spec":{"containers":[{"name":"c","image":"3"},{"name":"a","image":"9"},{"name":"b","image":"2"}]}})"));
  // Only the order directive, no content change.
  EXPECT_EQ(apply_pod(original, R"({"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"},{"name":"c"}]}})"),
            Json::parse(
                R"({"spec":{"containers":[{"name":"b","image":"2"},{"name":"a","image":"1"},{"name":"c","image":"3"}]}})"));
  EXPECT_EQ(apply_pod(R"({"metadata":{"finalizers":["x","y"]}})",
                      R"({"metadata":{"$setElementOrder/finalizers":["y","z","x"],"finalizers":["z"]}})"),
            Json::parse(R"({"metadata":{"finalizers":["y","z","x"]}})"));
  EXPECT_EQ(apply_pod(R"({"metadata":{"finalizers":["x","y"]}})",
                      R"({"metadata":{"$setElementOrder/finalizers":["y"],"$deleteFromPrimitiveList/finalizers":["x"]}})"),
            Json::parse(R"({"metadata":{"finalizers":["y"]}})"));
  // Patch items that contradict the order list are refused.
  EXPECT_NE(error(original, R"({"spec":{"$setElementOrder/containers":[{"name":"a"}],
                                "containers":[{"name":"b","image":"9"}]}})")
                .find("doesn't match $setElementOrder list"),
            std::string::npos);
  EXPECT_EQ(error(original, R"({"spec":{"$setElementOrder":[{"name":"a"}]}})"),
            "invalid patch format of setElementOrder list");
}

TEST_F(StrategicMerge, RetainKeys) {
  Json original = Json::parse(
      R"({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}},"replicas":1}})");
  Json patched = apply_strategic_merge_patch(
      original, Json::parse(R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})"), *deployment);
  EXPECT_EQ(patched, Json::parse(R"({"spec":{"strategy":{"type":"Recreate"},"replicas":1}})"));
  // Volumes: the retained keys switch the volume source.
  Json pod_patched = apply_pod(R"({"spec":{"volumes":[{"name":"v","emptyDir":{}},{"name":"w","emptyDir":{}}]}})",
                               R"({"spec":{"volumes":[{"name":"v","$retainKeys":["hostPath","name"],
                                   "hostPath":{"path":"/x"}}]}})");
  EXPECT_EQ(pod_patched,
            Json::parse(R"({"spec":{"volumes":[{"name":"v","hostPath":{"path":"/x"}},{"name":"w","emptyDir":{}}]}})"));
  PatchErrorCode code{};
  EXPECT_EQ(error(R"({"spec":{"x":{"a":1}}})", R"({"spec":{"x":{"$retainKeys":["a"],"b":2}}})", &code),
            "invalid patch format of retainKeys");
  EXPECT_EQ(code, PatchErrorCode::bad_request);
  EXPECT_EQ(error(R"({"spec":{"x":{"a":1}}})", R"({"spec":{"x":{"$retainKeys":"a"}}})"), "invalid patch format of retainKeys");
}

TEST_F(StrategicMerge, WorkloadTemplatesAndOtherKinds) {
  Json original = Json::parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1",
      "env":[{"name":"A","value":"1"}]}]}}}})");
  Json patched = apply_strategic_merge_patch(
      original, Json::parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2",
      "env":[{"name":"B","value":"2"}]}]}}}})"),
      *deployment);
  EXPECT_EQ(patched, Json::parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2",
      "env":[{"name":"B","value":"2"},{"name":"A","value":"1"}]}]}}}})"));

  auto service = builtin_patch_schema("", "Service");
  EXPECT_EQ(apply_strategic_merge_patch(Json::parse(R"({"spec":{"ports":[{"port":80,"targetPort":8080},{"port":443}]}})"),
                                        Json::parse(R"({"spec":{"ports":[{"port":80,"targetPort":9090}]}})"), *service),
            Json::parse(R"({"spec":{"ports":[{"port":80,"targetPort":9090},{"port":443}]}})"));

  auto cm = builtin_patch_schema("", "ConfigMap");
  EXPECT_EQ(apply_strategic_merge_patch(
                Json::parse(R"({"metadata":{"ownerReferences":[{"uid":"1","name":"a"},{"uid":"2","name":"b"}]}})"),
                Json::parse(R"({"metadata":{"ownerReferences":[{"uid":"2","$patch":"delete"}]}})"), *cm),
            Json::parse(R"({"metadata":{"ownerReferences":[{"uid":"1","name":"a"}]}})"));

  auto node = builtin_patch_schema("", "Node");
  EXPECT_EQ(apply_strategic_merge_patch(Json::parse(R"({"spec":{"taints":[{"key":"a","effect":"NoSchedule"}]}})"),
                                        Json::parse(R"({"spec":{"taints":[{"key":"b","effect":"NoSchedule"}]}})"), *node),
            Json::parse(R"({"spec":{"taints":[{"key":"b","effect":"NoSchedule"}]}})"));
  EXPECT_EQ(apply_strategic_merge_patch(
                Json::parse(R"({"status":{"conditions":[{"type":"Ready","status":"False"},{"type":"DiskPressure","status":"False"}]}})"),
                Json::parse(R"({"status":{"conditions":[{"type":"Ready","status":"True"}]}})"), *node),
            Json::parse(R"({"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"DiskPressure","status":"False"}]}})"));

  auto pdb = builtin_patch_schema("policy", "PodDisruptionBudget");
  EXPECT_EQ(apply_strategic_merge_patch(Json::parse(R"({"spec":{"selector":{"matchLabels":{"a":"1"}}}})"),
                                        Json::parse(R"({"spec":{"selector":{"matchExpressions":[]}}})"), *pdb),
            Json::parse(R"({"spec":{"selector":{"matchExpressions":[]}}})"));
}

TEST_F(StrategicMerge, BadInput) {
  PatchErrorCode code{};
  EXPECT_EQ(error(R"({"spec":{"containers":[["a"]]}})", R"({"spec":{"containers":[["b"]]}})", &code),
            "lists of lists are not supported");
  EXPECT_EQ(code, PatchErrorCode::unprocessable);
  EXPECT_NE(error(R"({"metadata":{"finalizers":["a"]}})", R"({"metadata":{"finalizers":[1]}})")
                .find("list element types are not identical"),
            std::string::npos);
  EXPECT_THROW(apply_strategic_merge_patch(Json::array(), Json::object(), *pod), PatchError);
  EXPECT_THROW(apply_strategic_merge_patch(Json::object(), Json("x"), *pod), PatchError);
  TablePatchSchema table({{"items", PatchMeta{{"merge"}, ""}}});
  EXPECT_EQ(std::string("cannot merge lists without merge key for items"), [&] {
    try {
      apply_strategic_merge_patch(Json::parse(R"({"items":[{"a":1}]})"), Json::parse(R"({"items":[{"a":2}]})"), table);
    } catch (const PatchError& e) {
      return std::string(e.what());
    }
    return std::string();
  }());
}

}  // namespace
}  // namespace k3s::object::patch
