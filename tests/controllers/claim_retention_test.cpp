// StatefulSet persistentVolumeClaimRetentionPolicy: the owner references put on claims.
#include "apps/claim_retention.h"

#include <gtest/gtest.h>

using k3s::controllers::Json;
namespace a = k3s::controllers::apps;

namespace {
Json stateful_set(const std::string& when_deleted, const std::string& when_scaled) {
  return Json{{"apiVersion", "apps/v1"},
              {"kind", "StatefulSet"},
              {"metadata", {{"name", "web"}, {"namespace", "default"}, {"uid", "set-uid"}}},
              {"spec",
               {{"replicas", 2},
                {"persistentVolumeClaimRetentionPolicy", {{"whenDeleted", when_deleted}, {"whenScaled", when_scaled}}}}}};
}
Json member(const std::string& name, const std::string& uid) {
  return Json{{"metadata", {{"name", name}, {"namespace", "default"}, {"uid", uid}}}};
}
Json claim(Json refs = Json::array()) {
  Json c = {{"metadata", {{"name", "data-web-2"}, {"namespace", "default"}}}};
  if (!refs.empty()) c["metadata"]["ownerReferences"] = refs;
  return c;
}
Json set_ref() {
  return {{"apiVersion", "apps/v1"}, {"kind", "StatefulSet"}, {"name", "web"}, {"uid", "set-uid"},
          {"controller", true}, {"blockOwnerDeletion", true}};
}
Json pod_ref(const std::string& uid = "pod-uid") {
  return {{"apiVersion", "v1"}, {"kind", "Pod"}, {"name", "web-2"}, {"uid", uid}, {"controller", true},
          {"blockOwnerDeletion", true}};
}
}  // namespace

TEST(ClaimRetention, RetainRetainHasNoReferencesAndDropsOurs) {
  const Json set = stateful_set("Retain", "Retain");
  EXPECT_EQ(a::retained_claim_owner_refs(claim(), set, member("web-2", "pod-uid"), true), Json::array());
  // Switching a policy back to Retain removes the references it had put there.
  EXPECT_EQ(a::retained_claim_owner_refs(claim({set_ref()}), set, member("web-2", "pod-uid"), false), Json::array());
}

TEST(ClaimRetention, WhenDeletedDeleteOwnsBySet) {
  const Json set = stateful_set("Delete", "Retain");
  EXPECT_EQ(a::retained_claim_owner_refs(claim(), set, member("web-2", "pod-uid"), false), Json::array({set_ref()}));
  // Scaling does not matter with whenScaled: Retain.
  EXPECT_EQ(a::retained_claim_owner_refs(claim(), set, member("web-2", "pod-uid"), true), Json::array({set_ref()}));
}

TEST(ClaimRetention, WhenScaledDeleteOwnsByCondemnedPodOnly) {
  const Json set = stateful_set("Retain", "Delete");
  EXPECT_EQ(a::retained_claim_owner_refs(claim(), set, member("web-2", "pod-uid"), false), Json::array());
  EXPECT_EQ(a::retained_claim_owner_refs(claim(), set, member("web-2", "pod-uid"), true), Json::array({pod_ref()}));
  // Scaled back up: the pod reference goes again.
  EXPECT_EQ(a::retained_claim_owner_refs(claim({pod_ref()}), set, member("web-2", "pod-uid"), false), Json::array());
}

TEST(ClaimRetention, BothDeleteMovesFromSetToPodOnScaleDown) {
  const Json set = stateful_set("Delete", "Delete");
  EXPECT_EQ(a::retained_claim_owner_refs(claim(), set, member("web-2", "pod-uid"), false), Json::array({set_ref()}));
  EXPECT_EQ(a::retained_claim_owner_refs(claim({set_ref()}), set, member("web-2", "pod-uid"), true),
            Json::array({pod_ref()}));
}

TEST(ClaimRetention, NewMemberWithoutUidNeverGetsAPodReference) {
  const Json set = stateful_set("Retain", "Delete");
  const Json stub = {{"metadata", {{"name", "web-2"}}}};
  EXPECT_EQ(a::retained_claim_owner_refs(claim(), set, stub, true), Json::array());
}

TEST(ClaimRetention, OtherOwnersKeptForeignControllerBlocksOurs) {
  const Json set = stateful_set("Delete", "Delete");
  const Json other = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "x"}, {"uid", "cm-uid"}};
  EXPECT_EQ(a::retained_claim_owner_refs(claim({other}), set, member("web-2", "pod-uid"), false),
            Json::array({other, set_ref()}));
  Json foreign = other;
  foreign["controller"] = true;
  // Someone else controls the claim: our references are removed and none added.
  EXPECT_EQ(a::retained_claim_owner_refs(claim({foreign, set_ref()}), set, member("web-2", "pod-uid"), false),
            Json::array({foreign}));
}

TEST(ClaimRetention, StaleReferencesLeaveTheClaimAlone) {
  const Json set = stateful_set("Delete", "Delete");
  Json old_set = set_ref();
  old_set["uid"] = "earlier-set";
  EXPECT_FALSE(a::retained_claim_owner_refs(claim({old_set}), set, member("web-2", "pod-uid"), false).has_value());
  EXPECT_FALSE(
      a::retained_claim_owner_refs(claim({pod_ref("earlier-pod")}), set, member("web-2", "pod-uid"), true).has_value());
}

TEST(ClaimRetention, EarlierPodReferenceBlocksRecreation) {
  const Json stub = {{"metadata", {{"name", "web-2"}}}};
  EXPECT_TRUE(a::claim_owned_by_earlier_pod(claim({pod_ref("gone")}), stub));
  EXPECT_FALSE(a::claim_owned_by_earlier_pod(claim({set_ref()}), stub));
  EXPECT_FALSE(a::claim_owned_by_earlier_pod(claim({pod_ref("pod-uid")}), member("web-2", "pod-uid")));
}
