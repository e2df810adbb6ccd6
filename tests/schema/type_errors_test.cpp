#include <gtest/gtest.h>

#include "schema/schema.h"

namespace k3s::schema {
namespace {

std::optional<std::string> check(const Kind& k, const char* json) { return type_error(k, Json::parse(json)); }

const Kind kDeployment{"apps", "v1", "Deployment"};
const Kind kPod{"", "v1", "Pod"};

TEST(TypeErrors, ScalarMismatchNamesStructPathAndGoType) {
  EXPECT_EQ(check(kDeployment, R"({"spec":{"replicas":"3"}})"),
            "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32");
  EXPECT_EQ(check(kPod, R"({"spec":{"containers":[{"name":"c","ports":[{"containerPort":"80"}]}]}})"),
            "json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of "
            "type int32");
  EXPECT_EQ(check(kPod, R"({"spec":{"hostNetwork":"yes"}})"),
            "json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool");
  EXPECT_EQ(check(kPod, R"({"metadata":{"name":5}})"),
            "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string");
}

TEST(TypeErrors, ContainersMapsAndNumbers) {
  EXPECT_EQ(check(kPod, R"({"spec":{"containers":{"name":"c"}}})"),
            "json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container");
  EXPECT_EQ(check(kPod, R"({"metadata":{"labels":["a"]}})"),
            "json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string");
  EXPECT_EQ(check(kPod, R"({"metadata":{"labels":{"a":1}}})"),
            "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string");
  EXPECT_EQ(check(kPod, R"({"spec":"x"})"),
            "json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec");
  EXPECT_EQ(check(kDeployment, R"({"spec":{"replicas":1.5}})"),
            "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32");
  EXPECT_EQ(check(kDeployment, R"({"spec":{"replicas":4294967296}})"),
            "json: cannot unmarshal number 4294967296 into Go struct field DeploymentSpec.spec.replicas of type int32");
  EXPECT_EQ(check(kPod, R"({"spec":{"activeDeadlineSeconds":-5}})"), std::nullopt);  // range is validation's job
}

TEST(TypeErrors, SpecialTypesAndNullsAccepted) {
  EXPECT_EQ(check(kPod, R"({"metadata":{"name":null,"labels":null,"creationTimestamp":null},
    "spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":1,"memory":"1Gi"}},
      "livenessProbe":{"httpGet":{"port":"http"}},"readinessProbe":{"tcpSocket":{"port":8080}}}],
      "volumes":null}})"),
            std::nullopt);
  EXPECT_EQ(check(kPod, R"({"spec":{"containers":[{"name":"c","livenessProbe":{"httpGet":{"port":true}}}]}})"),
            "json: cannot unmarshal bool into Go struct field HTTPGetAction.spec.containers.livenessProbe.httpGet.port "
            "of type intstr.IntOrString");
  EXPECT_EQ(check(kPod, R"({"metadata":{"creationTimestamp":5}})"),
            "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type v1.Time");
  // Unknown fields are another check's business.
  EXPECT_EQ(check(kPod, R"({"spek":5,"spec":{"nodeNamee":[1]}})"), std::nullopt);
  EXPECT_EQ(check({"", "v1", "ConfigMap"}, R"({"data":{"a":5}})"),
            "json: cannot unmarshal number into Go struct field ConfigMap.data of type string");
}

}  // namespace
}  // namespace k3s::schema
