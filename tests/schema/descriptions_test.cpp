#include "schema/descriptions.h"

#include <gtest/gtest.h>

#include "schema/schema.h"

namespace k3s::schema {
namespace {

bool mentions(const std::vector<std::string>& problems, const std::string& what) {
  for (const auto& p : problems)
    if (p.find(what) != std::string::npos) return true;
  return false;
}

// Every key of the shipped files names a real type or field: a typo fails here.
TEST(Descriptions, EmbeddedKeysNameRealTypesAndFields) {
  DescriptionReport report = check_embedded_descriptions();
  for (const auto& p : report.problems) ADD_FAILURE() << p;
  EXPECT_GT(report.types, 50u);
  EXPECT_GT(report.fields, 300u);
  std::cout << "descriptions: " << report.types << " types, " << report.fields << " fields\n";
}

TEST(Descriptions, CheckNamesEveryKindOfMistake) {
  auto problems = check_description_file("apps.txt",
                                         "# a comment\n"
                                         "@package k8s.io.api.apps.v1\n"
                                         "DeploymentSpec: fine\n"
                                         "DeploymentSpec.replicas: fine, and\n"
                                         "  continued on the next line\n"
                                         "Deployment.apiVersion: kinds carry TypeMeta\n"
                                         "DeploymentSpec.replicaz: typo in a field\n"
                                         "DeploymentSpek: typo in a type\n"
                                         "DeploymentSpec.kind: not a kind\n"
                                         "DeploymentSpec: twice\n"
                                         "no colon here\n"
                                         "*.spec: not generic\n"
                                         "# a comment ends an entry\n"
                                         "   orphan continuation\n"
                                         "@pkg nothing\n");
  EXPECT_EQ(problems.size(), 8u);
  EXPECT_TRUE(mentions(problems, "apps.txt:7: type DeploymentSpec has no field replicaz"));
  EXPECT_TRUE(mentions(problems, "apps.txt:8: no type DeploymentSpek in package k8s.io.api.apps.v1"));
  EXPECT_TRUE(mentions(problems, "apps.txt:9: type DeploymentSpec has no field kind"));
  EXPECT_TRUE(mentions(problems, "apps.txt:10: duplicate key"));
  EXPECT_TRUE(mentions(problems, "apps.txt:11: expected"));
  EXPECT_TRUE(mentions(problems, "apps.txt:12: generic entries"));
  EXPECT_TRUE(mentions(problems, "apps.txt:14: indented line"));
  EXPECT_TRUE(mentions(problems, "apps.txt:15: unknown directive"));

  EXPECT_TRUE(mentions(check_description_file("x.txt", "Pod: before any package\n"), "before any @package"));
  // Inlined structs are documented under the message that declares the field, or the owner.
  EXPECT_TRUE(check_description_file("core.txt",
                                     "@package k8s.io.api.core.v1\n"
                                     "Volume.configMap: by owner\n"
                                     "VolumeSource.secret: by declaring message\n"
                                     "Probe.httpGet: through ProbeHandler\n")
                  .empty());
}

TEST(Descriptions, AttachedToTypesAndFieldsInBothFlavors) {
  Json v3 = Json::object();
  add_definitions({{"apps", "v1", "Deployment"}, {"", "v1", "Pod"}}, Flavor::kOpenApiV3, v3);
  const Json& deployment = v3["io.k8s.api.apps.v1.Deployment"];
  EXPECT_FALSE(deployment.value("description", "").empty());
  EXPECT_FALSE(deployment["properties"]["apiVersion"].value("description", "").empty());
  EXPECT_FALSE(deployment["properties"]["metadata"].value("description", "").empty());
  const Json& replicas = v3["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["replicas"];
  EXPECT_EQ(replicas["type"], "integer");
  EXPECT_NE(replicas.value("description", "").find("Defaults to 1"), std::string::npos);
  // A described reference in v3 is a one-item allOf with the text beside it.
  const Json& spec = deployment["properties"]["spec"];
  EXPECT_EQ(spec["allOf"], Json::parse(R"([{"$ref":"#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"}])"));
  EXPECT_FALSE(spec.contains("$ref"));
  EXPECT_FALSE(spec.value("description", "").empty());
  // Patch metadata stays beside it.
  EXPECT_EQ(v3["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"]["x-kubernetes-patch-strategy"],
            "retainKeys");
  // A field of an inlined struct: Volume's configMap is VolumeSource's.
  EXPECT_FALSE(v3["io.k8s.api.core.v1.Volume"]["properties"]["configMap"].value("description", "").empty());
  EXPECT_FALSE(v3["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"].value("description", "").empty());
  EXPECT_FALSE(v3["io.k8s.apimachinery.pkg.util.intstr.IntOrString"].value("description", "").empty());

  Json v2 = Json::object();
  add_definitions({{"apps", "v1", "Deployment"}}, Flavor::kOpenApiV2, v2);
  const Json& spec2 = v2["io.k8s.api.apps.v1.Deployment"]["properties"]["spec"];
  EXPECT_EQ(spec2["$ref"], "#/definitions/io.k8s.api.apps.v1.DeploymentSpec");
  EXPECT_EQ(spec2["description"], spec["description"]);
  EXPECT_EQ(v2["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["replicas"]["description"], replicas["description"]);
  EXPECT_EQ(v2["io.k8s.api.apps.v1.DeploymentSpec"]["description"], v3["io.k8s.api.apps.v1.DeploymentSpec"]["description"]);
}

}  // namespace
}  // namespace k3s::schema
