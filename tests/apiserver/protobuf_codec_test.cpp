// Kubernetes protobuf request bodies decode into the same JSON the server gets from kubectl's
// JSON encoding. Messages are built with the generated classes, enveloped like client-go does.
#include <gtest/gtest.h>

#include "codec.h"
#include "k8s/api/apps_v1.pb.h"
#include "k8s/api/authorization_v1.pb.h"
#include "k8s/api/core_v1.pb.h"
#include "k8s/api/rbac_v1.pb.h"
#include "k8s/apimachinery/runtime.pb.h"
#include "protobuf_codec.h"
#include "status.h"

namespace k3s::apiserver {
namespace {

namespace core = k8s::io::api::core::v1;
namespace apps = k8s::io::api::apps::v1;
namespace authz = k8s::io::api::authorization::v1;
namespace rbac = k8s::io::api::rbac::v1;
namespace runtime = k8s::io::apimachinery::pkg::runtime;

std::string envelope(const std::string& api_version, const std::string& kind, const google::protobuf::Message& m) {
  runtime::Unknown unknown;
  unknown.mutable_typemeta()->set_apiversion(api_version);
  unknown.mutable_typemeta()->set_kind(kind);
  unknown.set_raw(m.SerializeAsString());
  return std::string("k8s\0", 4) + unknown.SerializeAsString();
}

Json decode(const std::string& body) {
  std::vector<std::string> duplicates;
  return decode_body(body, "application/vnd.kubernetes.protobuf", duplicates);
}

TEST(ProtobufCodec, ConfigMapBecomesTheJsonKubectlWouldSend) {
  core::ConfigMap cm;
  cm.mutable_metadata()->set_name("x");
  cm.mutable_metadata()->set_namespace_("");  // Go writes plain strings even when empty
  cm.mutable_metadata()->mutable_creationtimestamp();  // zero time travels too
  cm.mutable_metadata()->set_generation(0);
  (*cm.mutable_data())["a"] = "b";
  (*cm.mutable_data())["empty"] = "";
  Json obj = decode(envelope("v1", "ConfigMap", cm));
  EXPECT_EQ(obj, Json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},
                                 "data":{"a":"b","empty":""}})"))
      << obj.dump();
}

TEST(ProtobufCodec, DeploymentKeepsPointerZerosAndConvertsSpecialTypes) {
  apps::Deployment d;
  d.mutable_metadata()->set_name("web");
  (*d.mutable_metadata()->mutable_labels())["app"] = "web";
  d.mutable_metadata()->mutable_creationtimestamp()->set_seconds(1700000000);
  auto* spec = d.mutable_spec();
  spec->set_replicas(0);
  spec->set_paused(false);
  (*spec->mutable_selector()->mutable_matchlabels())["app"] = "web";
  auto* rolling = spec->mutable_strategy()->mutable_rollingupdate();
  rolling->mutable_maxsurge()->set_type(1);
  rolling->mutable_maxsurge()->set_strval("25%");
  rolling->mutable_maxunavailable()->set_type(0);
  rolling->mutable_maxunavailable()->set_intval(2);
  auto* pod = spec->mutable_template_()->mutable_spec();
  auto* c = pod->add_containers();
  c->set_name("busybox");
  c->set_image("busybox");
  c->add_command("sleep");
  c->add_command("3600");
  (*c->mutable_resources()->mutable_limits())["memory"].set_string("64Mi");
  c->add_ports()->set_containerport(8080);
  auto* v = pod->add_volumes();
  v->set_name("scratch");
  v->mutable_volumesource()->mutable_emptydir();
  pod->set_automountserviceaccounttoken(false);
  d.mutable_status();

  Json obj = decode(envelope("apps/v1", "Deployment", d));
  EXPECT_EQ(obj["apiVersion"], "apps/v1");
  EXPECT_EQ(obj["metadata"]["creationTimestamp"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(obj["metadata"]["labels"], Json({{"app", "web"}}));
  EXPECT_EQ(obj["spec"]["replicas"], 0);  // *int32: an explicit 0 is not "unset"
  EXPECT_FALSE(obj["spec"].contains("paused"));
  EXPECT_EQ(obj["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
  EXPECT_EQ(obj["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], 2);
  const Json& tpl = obj["spec"]["template"]["spec"];
  EXPECT_EQ(tpl["automountServiceAccountToken"], false);
  EXPECT_EQ(tpl["containers"][0]["command"], Json({"sleep", "3600"}));
  EXPECT_EQ(tpl["containers"][0]["resources"]["limits"]["memory"], "64Mi");
  EXPECT_EQ(tpl["containers"][0]["ports"][0]["containerPort"], 8080);
  // VolumeSource is embedded in Go, so its fields sit directly in the volume.
  EXPECT_EQ(tpl["volumes"][0], Json::parse(R"({"name":"scratch","emptyDir":{}})"));
  EXPECT_EQ(obj["status"], Json::object());
}

TEST(ProtobufCodec, SecretBytesBecomeBase64) {
  core::Secret s;
  s.mutable_metadata()->set_name("s");
  (*s.mutable_data())["k"] = std::string("v\0\xff", 3);
  (*s.mutable_data())["two"] = "ab";
  s.set_type("Opaque");
  Json obj = decode(envelope("v1", "Secret", s));
  EXPECT_EQ(obj["data"]["k"], "dgD/");
  EXPECT_EQ(obj["data"]["two"], "YWI=");
  EXPECT_EQ(obj["type"], "Opaque");
}

TEST(ProtobufCodec, RbacKeepsEmptyStringsInsideLists) {
  rbac::Role role;
  role.mutable_metadata()->set_name("r");
  auto* rule = role.add_rules();
  rule->add_verbs("get");
  rule->add_apigroups("");
  rule->add_resources("pods");
  Json obj = decode(envelope("rbac.authorization.k8s.io/v1", "Role", role));
  EXPECT_EQ(obj["rules"][0], Json::parse(R"({"verbs":["get"],"apiGroups":[""],"resources":["pods"]})"));
}

TEST(ProtobufCodec, AccessReviewExtraValuesAreLists) {
  authz::SubjectAccessReview review;
  review.mutable_spec()->mutable_resourceattributes()->set_verb("get");
  review.mutable_spec()->mutable_resourceattributes()->set_resource("pods");
  review.mutable_spec()->set_user("alice");
  (*review.mutable_spec()->mutable_extra())["scopes"].add_items("a");
  Json obj = decode(envelope("authorization.k8s.io/v1", "SubjectAccessReview", review));
  EXPECT_EQ(obj["spec"]["resourceAttributes"], Json::parse(R"({"verb":"get","resource":"pods"})"));
  EXPECT_EQ(obj["spec"]["user"], "alice");
  EXPECT_EQ(obj["spec"]["extra"]["scopes"], Json({"a"}));
}

TEST(ProtobufCodec, RawExtensionEmbedsJson) {
  apps::ControllerRevision rev;
  rev.mutable_metadata()->set_name("rev");
  rev.mutable_data()->set_raw(R"({"spec":{"x":1}})");
  rev.set_revision(3);
  Json obj = decode(envelope("apps/v1", "ControllerRevision", rev));
  EXPECT_EQ(obj["data"], Json::parse(R"({"spec":{"x":1}})"));
  EXPECT_EQ(obj["revision"], 3);
}

TEST(ProtobufCodec, MessageNamesFollowKubernetesPackages) {
  EXPECT_EQ(protobuf::message_name_for("v1", "Pod"), "k8s.io.api.core.v1.Pod");
  EXPECT_EQ(protobuf::message_name_for("rbac.authorization.k8s.io/v1", "Role"), "k8s.io.api.rbac.v1.Role");
  EXPECT_EQ(protobuf::message_name_for("scheduling.k8s.io/v1", "PriorityClass"),
            "k8s.io.api.scheduling.v1.PriorityClass");
  EXPECT_EQ(protobuf::message_name_for("meta.k8s.io/v1", "DeleteOptions"),
            "k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions");
}

TEST(ProtobufCodec, BadBodiesAreClientErrors) {
  auto code_of = [](const std::string& body) {
    try {
      decode(body);
    } catch (const ApiError& e) {
      return e.code();
    }
    return 0;
  };
  EXPECT_EQ(code_of("{\"kind\":\"ConfigMap\"}"), 400);  // JSON sent with a protobuf content type
  EXPECT_EQ(code_of(std::string("k8s\0\xff\xff\xff", 7)), 400);

  core::ConfigMap cm;
  EXPECT_EQ(code_of(envelope("example.com/v1", "Widget", cm)), 415);

  runtime::Unknown unknown;
  unknown.mutable_typemeta()->set_apiversion("v1");
  unknown.mutable_typemeta()->set_kind("ConfigMap");
  unknown.set_raw("\xff\xff\xff\xff");
  EXPECT_EQ(code_of(std::string("k8s\0", 4) + unknown.SerializeAsString()), 400);
  unknown.set_raw("");
  unknown.set_contentencoding("gzip");
  EXPECT_EQ(code_of(std::string("k8s\0", 4) + unknown.SerializeAsString()), 415);
}

}  // namespace
}  // namespace k3s::apiserver
