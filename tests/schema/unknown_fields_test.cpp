#include <gtest/gtest.h>

#include "schema/schema.h"

namespace k3s::schema {
namespace {

std::vector<std::string> unknown(const Kind& k, const char* json) { return unknown_fields(k, Json::parse(json)); }

const Kind kPod{"", "v1", "Pod"};
const Kind kDeployment{"apps", "v1", "Deployment"};

TEST(UnknownFields, NestedPathsWithListIndexes) {
  auto found = unknown(kDeployment, R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
    "spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"spec":{"containers":[
      {"name":"a","image":"x"},{"name":"b","imagee":"x","ports":[{"containerPort":1,"protocoll":"TCP"}]}]}}}})");
  EXPECT_EQ(found, (std::vector<std::string>{"spec.template.spec.containers[1].imagee",
                                             "spec.template.spec.containers[1].ports[0].protocoll"}));
}

TEST(UnknownFields, TopLevelAndMetadata) {
  EXPECT_EQ(unknown(kPod, R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labelz":{}},"spek":{}})"),
            (std::vector<std::string>{"metadata.labelz", "spek"}));
}

TEST(UnknownFields, PruningDropsExactlyTheReportedFields) {
  Json d = Json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","labelz":{}},"extra":1,
    "spec":{"replicas":2,"template":{"metadata":{"annotations":{"k":"v"}},"spec":{"containers":[
      {"name":"a","image":"x","imagee":"y","ports":[{"containerPort":1,"protocoll":"TCP"}]}]}}}})");
  EXPECT_EQ(prune_unknown_fields(kDeployment, d),
            (std::vector<std::string>{"extra", "metadata.labelz", "spec.template.spec.containers[0].imagee",
                                      "spec.template.spec.containers[0].ports[0].protocoll"}));
  EXPECT_EQ(d, Json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
    "spec":{"replicas":2,"template":{"metadata":{"annotations":{"k":"v"}},"spec":{"containers":[
      {"name":"a","image":"x","ports":[{"containerPort":1}]}]}}}})"));
  EXPECT_TRUE(unknown_fields(kDeployment, d).empty());
  // A kind without a compiled message keeps its declared top-level fields and loses the rest.
  Json cm = Json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"b"},"dta":{}})");
  EXPECT_EQ(prune_unknown_fields({"", "v1", "ConfigMap"}, cm), (std::vector<std::string>{"dta"}));
  EXPECT_EQ(cm, Json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"b"}})"));
}

// What the server itself, controllers and kubelet write back must pass.
TEST(UnknownFields, AcceptsWhatClientsLegitimatelySend) {
  EXPECT_TRUE(unknown(kPod, R"({"apiVersion":"v1","kind":"Pod",
    "metadata":{"name":"p","uid":"u","resourceVersion":"1","creationTimestamp":"2024-01-01T00:00:00Z",
      "labels":{"a":"b"},"annotations":{"x":"y"},"ownerReferences":[{"apiVersion":"v1","kind":"X","name":"n","uid":"u"}],
      "managedFields":[{"manager":"m","operation":"Apply","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:x":{}}}}]},
    "spec":{"containers":[{"name":"c","image":"i","resources":{"limits":{"cpu":"1"}},
      "livenessProbe":{"httpGet":{"port":8080,"path":"/"}},"env":[{"name":"A","valueFrom":{"fieldRef":{"fieldPath":"x"}}}]}],
      "volumes":[{"name":"v","configMap":{"name":"cm"}},{"name":"e","emptyDir":{}}]},
    "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],
      "containerStatuses":[{"name":"c","ready":true,"restartCount":0,"image":"i","imageID":"id",
        "state":{"running":{"startedAt":"2024-01-01T00:00:00Z"}}}],"podIPs":[{"ip":"10.0.0.1"}]}})")
                  .empty());
  // Embedded kinds carry their TypeMeta; RawExtension holds anything.
  EXPECT_TRUE(unknown({"apps", "v1", "StatefulSet"}, R"({"spec":{"volumeClaimTemplates":[
    {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"d"},"spec":{"accessModes":["ReadWriteOnce"]}}]}})")
                  .empty());
  EXPECT_TRUE(unknown({"apps", "v1", "ControllerRevision"}, R"({"revision":1,"data":{"anything":{"goes":1}}})").empty());
  // Go's []string types inside maps.
  EXPECT_TRUE(unknown({"certificates.k8s.io", "v1", "CertificateSigningRequest"},
                      R"({"spec":{"request":"eA==","signerName":"s","extra":{"k":["a","b"]}}})")
                  .empty());
}

TEST(UnknownFields, ValuesOfTheWrongShapeAreNotThisCheck) {
  EXPECT_TRUE(unknown(kPod, R"({"spec":{"containers":"not a list"}})").empty());
}

TEST(UnknownFields, KindsWithoutAMessageAreCheckedAtTheTop) {
  const Kind widget{"example.com", "v1", "Widget"};
  EXPECT_EQ(unknown(widget, R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","bogus":1},
    "spec":{"free":{"form":1}},"extra":1})"),
            (std::vector<std::string>{"extra", "metadata.bogus"}));
}

}  // namespace
}  // namespace k3s::schema
