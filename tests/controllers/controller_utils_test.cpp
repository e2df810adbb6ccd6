#include "controller_utils.h"

#include <gtest/gtest.h>

using k3s::controllers::Json;
namespace c = k3s::controllers;

namespace {

Json owner() {
  return Json::parse(R"({"apiVersion":"apps/v1","kind":"ReplicaSet",
    "metadata":{"name":"web-abc","namespace":"default","uid":"owner-uid"}})");
}

Json pod_with_ready(const std::string& status, const std::string& since) {
  Json pod = {{"metadata", {{"name", "p"}}}, {"status", {{"phase", "Running"}}}};
  pod["status"]["conditions"] = Json::array(
      {{{"type", "PodScheduled"}, {"status", "True"}},
       {{"type", "Ready"}, {"status", status}, {"lastTransitionTime", since}}});
  return pod;
}

}  // namespace

TEST(ControllerRefs, MakeAndFind) {
  Json ref = c::make_controller_ref(owner(), "apps/v1", "ReplicaSet");
  EXPECT_EQ(ref["apiVersion"], "apps/v1");
  EXPECT_EQ(ref["kind"], "ReplicaSet");
  EXPECT_EQ(ref["name"], "web-abc");
  EXPECT_EQ(ref["uid"], "owner-uid");
  EXPECT_EQ(ref["controller"], true);
  EXPECT_EQ(ref["blockOwnerDeletion"], true);

  Json pod = {{"metadata", {{"ownerReferences", Json::array({{{"uid", "other"}, {"kind", "X"}}, ref})}}}};
  const Json* found = c::controller_ref_of(pod);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ((*found)["uid"], "owner-uid");
  EXPECT_TRUE(c::is_controlled_by(pod, owner()));

  Json other_owner = owner();
  other_owner["metadata"]["uid"] = "someone-else";
  EXPECT_FALSE(c::is_controlled_by(pod, other_owner));
}

TEST(ControllerRefs, NonControllerReferencesDoNotCount) {
  Json pod = {{"metadata", {{"ownerReferences", Json::array({{{"uid", "owner-uid"}, {"controller", false}}})}}}};
  EXPECT_EQ(c::controller_ref_of(pod), nullptr);
  EXPECT_FALSE(c::is_controlled_by(pod, owner()));
  EXPECT_EQ(c::controller_ref_of(Json::object()), nullptr);
  EXPECT_EQ(c::controller_ref_of(Json{{"metadata", {{"ownerReferences", "bogus"}}}}), nullptr);
}

TEST(PodPredicates, ActiveTerminatingReady) {
  Json pod = pod_with_ready("True", "2026-01-01T00:00:00Z");
  EXPECT_TRUE(c::is_pod_active(pod));
  EXPECT_TRUE(c::is_pod_ready(pod));
  EXPECT_FALSE(c::is_pod_terminating(pod));

  Json deleting = pod;
  deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  EXPECT_TRUE(c::is_pod_terminating(deleting));
  EXPECT_FALSE(c::is_pod_active(deleting));

  for (const char* phase : {"Succeeded", "Failed"}) {
    Json done = pod;
    done["status"]["phase"] = phase;
    EXPECT_FALSE(c::is_pod_active(done)) << phase;
  }
  EXPECT_FALSE(c::is_pod_ready(pod_with_ready("False", "2026-01-01T00:00:00Z")));
  EXPECT_FALSE(c::is_pod_ready(Json{{"metadata", {{"name", "bare"}}}}));
  EXPECT_TRUE(c::is_pod_active(Json{{"metadata", {{"name", "bare"}}}}));
}

TEST(PodPredicates, AvailableAfterMinReadySeconds) {
  auto now = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + std::chrono::seconds(100);
  Json pod = pod_with_ready("True", "2026-01-01T00:01:00Z");  // ready since second 60
  EXPECT_TRUE(c::is_pod_available(pod, 0, now));
  EXPECT_TRUE(c::is_pod_available(pod, 30, now));
  EXPECT_FALSE(c::is_pod_available(pod, 40, now));  // 60 + 40 is not before 100
  EXPECT_FALSE(c::is_pod_available(pod, 300, now));
  EXPECT_FALSE(c::is_pod_available(pod_with_ready("False", "2026-01-01T00:00:00Z"), 0, now));
}

TEST(PodFromTemplate, CopiesTemplateAndOwner) {
  Json tmpl = Json::parse(R"({
    "metadata":{"labels":{"app":"web"},"annotations":{"a":"b"},"finalizers":["x/y"],"name":"ignored"},
    "spec":{"containers":[{"name":"c","image":"nginx"}]}})");
  Json ref = c::make_controller_ref(owner(), "apps/v1", "ReplicaSet");
  Json pod = c::pod_from_template(tmpl, "team", "web-abc-", ref);
  EXPECT_EQ(pod["apiVersion"], "v1");
  EXPECT_EQ(pod["kind"], "Pod");
  EXPECT_EQ(pod["metadata"]["namespace"], "team");
  EXPECT_EQ(pod["metadata"]["generateName"], "web-abc-");
  EXPECT_FALSE(pod["metadata"].contains("name"));
  EXPECT_EQ(pod["metadata"]["labels"]["app"], "web");
  EXPECT_EQ(pod["metadata"]["annotations"]["a"], "b");
  EXPECT_EQ(pod["metadata"]["finalizers"][0], "x/y");
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0], ref);
  EXPECT_EQ(pod["spec"]["containers"][0]["image"], "nginx");
}

TEST(Expectations, WaitsForObservationsThenSatisfied) {
  c::Expectations e;
  EXPECT_TRUE(e.satisfied("ns/a"));  // never set
  e.expect("ns/a", 2, 1);
  EXPECT_FALSE(e.satisfied("ns/a"));
  e.creation_observed("ns/a");
  e.deletion_observed("ns/a");
  EXPECT_FALSE(e.satisfied("ns/a"));
  e.creation_observed("ns/a");
  EXPECT_TRUE(e.satisfied("ns/a"));

  e.expect("ns/b", 3, 0);
  e.lower("ns/b", 3, 0);  // the creates failed: nothing to wait for
  EXPECT_TRUE(e.satisfied("ns/b"));

  e.expect("ns/c", 1, 0);
  e.forget("ns/c");
  EXPECT_TRUE(e.satisfied("ns/c"));
  e.creation_observed("ns/unknown");  // observing an unknown key is harmless
  EXPECT_TRUE(e.satisfied("ns/unknown"));
}

TEST(ComputeHash, StableSafeAndSensitive) {
  Json tmpl = Json::parse(R"({"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx:1"}]}})");
  std::string h = c::compute_hash(tmpl);
  EXPECT_FALSE(h.empty());
  EXPECT_LE(h.size(), 10u);  // the decimal digits of a uint32
  for (char ch : h) EXPECT_NE(std::string("bcdfghjklmnpqrstvwxz2456789").find(ch), std::string::npos) << h;
  EXPECT_EQ(h, c::compute_hash(Json::parse(tmpl.dump())));  // key order does not matter

  Json changed = tmpl;
  changed["spec"]["containers"][0]["image"] = "nginx:2";
  EXPECT_NE(h, c::compute_hash(changed));
  EXPECT_NE(h, c::compute_hash(tmpl, 1));
  EXPECT_NE(c::compute_hash(tmpl, 1), c::compute_hash(tmpl, 2));
  EXPECT_EQ(c::compute_hash(tmpl, 1), c::compute_hash(tmpl, 1));
}

TEST(Time, NowIsRfc3339Utc) {
  std::string t = c::now_rfc3339();
  ASSERT_EQ(t.size(), 20u) << t;
  EXPECT_EQ(t[4], '-');
  EXPECT_EQ(t[10], 'T');
  EXPECT_EQ(t.back(), 'Z');
}
