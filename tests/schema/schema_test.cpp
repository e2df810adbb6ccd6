#include "schema/schema.h"

#include <gtest/gtest.h>

namespace k3s::schema {
namespace {

// The $ref of a property: direct, or the one item of the allOf a described reference is.
Json ref(const Json& s) { return s.contains("allOf") ? s["allOf"][0]["$ref"] : s["$ref"]; }

// A definition's shape, without the project's description text.
Json shape(Json s) {
  s.erase("description");
  return s;
}

Json v3(const std::vector<Kind>& kinds) {
  Json out = Json::object();
  add_definitions(kinds, Flavor::kOpenApiV3, out);
  return out;
}

TEST(Schema, KindsCarryTheirGroupVersionKind) {
  Json defs = v3({{"", "v1", "Pod"}});
  ASSERT_TRUE(defs.contains("io.k8s.api.core.v1.Pod"));
  const Json& pod = defs["io.k8s.api.core.v1.Pod"];
  EXPECT_EQ(pod["x-kubernetes-group-version-kind"],
            Json::parse(R"([{"group":"","kind":"Pod","version":"v1"}])"));
  EXPECT_EQ(pod["properties"]["apiVersion"]["type"], "string");
  EXPECT_EQ(ref(pod["properties"]["spec"]), "#/components/schemas/io.k8s.api.core.v1.PodSpec");
  EXPECT_EQ(ref(pod["properties"]["metadata"]),
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  // Nested types are defined without a GVK and without TypeMeta fields.
  EXPECT_FALSE(defs["io.k8s.api.core.v1.PodSpec"].contains("x-kubernetes-group-version-kind"));
  EXPECT_FALSE(defs["io.k8s.api.core.v1.PodSpec"]["properties"].contains("kind"));
  // The list kind beside it.
  const Json& list = defs["io.k8s.api.core.v1.PodList"];
  EXPECT_EQ(list["properties"]["items"]["items"]["$ref"], "#/components/schemas/io.k8s.api.core.v1.Pod");
  EXPECT_EQ(list["x-kubernetes-group-version-kind"][0]["kind"], "PodList");
}

TEST(Schema, FieldTypesFollowTheDescriptors) {
  Json defs = v3({{"apps", "v1", "Deployment"}});
  const Json& spec = defs["io.k8s.api.apps.v1.DeploymentSpec"]["properties"];
  EXPECT_EQ(shape(spec["replicas"]), Json::parse(R"({"type":"integer","format":"int32"})"));
  EXPECT_EQ(spec["paused"]["type"], "boolean");
  EXPECT_EQ(defs["io.k8s.api.apps.v1.DeploymentSpec"]["required"], Json::parse(R"(["selector","template"])"));
  const Json& container = defs["io.k8s.api.core.v1.Container"];
  EXPECT_EQ(container["required"], Json::parse(R"(["name"])"));
  EXPECT_EQ(shape(container["properties"]["args"]), Json::parse(R"({"type":"array","items":{"type":"string"}})"));
  const Json& meta = defs["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"];
  EXPECT_EQ(shape(meta["labels"]), Json::parse(R"({"type":"object","additionalProperties":{"type":"string"}})"));
  EXPECT_EQ(meta["generation"]["format"], "int64");
  // Inlined Go structs: a volume's sources are the volume's own fields.
  const Json& volume = defs["io.k8s.api.core.v1.Volume"]["properties"];
  EXPECT_TRUE(volume.contains("configMap"));
  EXPECT_FALSE(volume.contains("volumeSource"));
}

TEST(Schema, SpecialTypesAsKubernetesPublishesThem) {
  Json defs = v3({{"apps", "v1", "Deployment"}});
  EXPECT_EQ(shape(defs["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]),
            Json::parse(R"({"type":"string","format":"date-time"})"));
  EXPECT_EQ(defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["x-kubernetes-int-or-string"], true);
  EXPECT_FALSE(defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"].contains("type"));
  EXPECT_TRUE(defs["io.k8s.apimachinery.pkg.api.resource.Quantity"].contains("oneOf"));
  EXPECT_EQ(defs["io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1"]["type"], "object");

  Json v2 = Json::object();
  add_definitions({{"apps", "v1", "Deployment"}}, Flavor::kOpenApiV2, v2);
  EXPECT_EQ(shape(v2["io.k8s.apimachinery.pkg.api.resource.Quantity"]), Json::parse(R"({"type":"string"})"));
  EXPECT_EQ(shape(v2["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]),
            Json::parse(R"({"type":"string","format":"int-or-string"})"));
  EXPECT_EQ(v2["io.k8s.api.apps.v1.Deployment"]["properties"]["spec"]["$ref"],
            "#/definitions/io.k8s.api.apps.v1.DeploymentSpec");
}

// The strategies come from the same table strategic merge uses.
TEST(Schema, PatchStrategiesAndMergeKeys) {
  Json defs = v3({{"", "v1", "Pod"}, {"apps", "v1", "Deployment"}});
  const Json& spec = defs["io.k8s.api.core.v1.PodSpec"]["properties"];
  EXPECT_EQ(spec["containers"]["x-kubernetes-patch-strategy"], "merge");
  EXPECT_EQ(spec["containers"]["x-kubernetes-patch-merge-key"], "name");
  EXPECT_EQ(spec["volumes"]["x-kubernetes-patch-strategy"], "merge,retainKeys");
  EXPECT_EQ(defs["io.k8s.api.core.v1.Container"]["properties"]["ports"]["x-kubernetes-patch-merge-key"],
            "containerPort");
  EXPECT_EQ(defs["io.k8s.api.core.v1.PodStatus"]["properties"]["conditions"]["x-kubernetes-patch-merge-key"], "type");
  EXPECT_EQ(defs["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"]["x-kubernetes-patch-strategy"],
            "retainKeys");
  EXPECT_EQ(defs["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"]["ownerReferences"]
                ["x-kubernetes-patch-merge-key"],
            "uid");
  EXPECT_FALSE(spec["nodeSelector"].contains("x-kubernetes-patch-strategy"));
}

TEST(Schema, KindsWithoutAMessageKeepUnknownFields) {
  const Kind widget{"example.com", "v1", "Widget"};
  EXPECT_FALSE(has_schema(widget));
  EXPECT_EQ(definition_name(widget), "com.example.v1.Widget");
  Json defs = v3({widget});
  const Json& w = defs["com.example.v1.Widget"];
  EXPECT_EQ(w["x-kubernetes-preserve-unknown-fields"], true);
  EXPECT_EQ(w["x-kubernetes-group-version-kind"][0]["group"], "example.com");
  EXPECT_TRUE(defs.contains("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
}

TEST(Schema, ServedGroupsHaveMessages) {
  for (const Kind& k : std::vector<Kind>{{"", "v1", "Node"},
                                         {"", "v1", "Event"},
                                         {"", "v1", "PersistentVolume"},
                                         {"coordination.k8s.io", "v1", "Lease"},
                                         {"discovery.k8s.io", "v1", "EndpointSlice"},
                                         {"events.k8s.io", "v1", "Event"},
                                         {"node.k8s.io", "v1", "RuntimeClass"},
                                         {"storage.k8s.io", "v1", "StorageClass"},
                                         {"storage.k8s.io", "v1", "CSINode"},
                                         {"rbac.authorization.k8s.io", "v1", "ClusterRole"}})
    EXPECT_TRUE(has_schema(k)) << k.group << "/" << k.kind;
  EXPECT_EQ(definition_name({"storage.k8s.io", "v1", "StorageClass"}), "io.k8s.api.storage.v1.StorageClass");
  EXPECT_EQ(definition_name({"rbac.authorization.k8s.io", "v1", "Role"}), "io.k8s.api.rbac.v1.Role");
}

}  // namespace
}  // namespace k3s::schema
