#include <gtest/gtest.h>

#include <algorithm>

#include "core/owner_graph.h"

using k3s::controllers::Json;
using k3s::controllers::core::OwnerGraph;

namespace {

const k3s::client::GroupVersionResource kCM{"", "v1", "configmaps"};

Json cm(const std::string& name, const std::string& uid, Json owners = Json::array(), Json extra = Json::object()) {
  Json o = {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", "ns"}, {"uid", uid}}}};
  if (!owners.empty()) o["metadata"]["ownerReferences"] = owners;
  o["metadata"].update(extra);
  return o;
}

Json ref(const std::string& name, const std::string& uid, bool block = false) {
  Json r = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", name}, {"uid", uid}};
  if (block) r["blockOwnerDeletion"] = true;
  return r;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST(OwnerGraph, DependentsAreLinkedToOwnersSeenOrNot) {
  OwnerGraph g;
  // The dependent arrives before its owner: the owner is known as absent.
  auto work = g.upsert(kCM, "ConfigMap", cm("child", "c1", Json::array({ref("parent", "p1")})));
  EXPECT_TRUE(contains(work, "c1"));
  auto owner = g.get("p1");
  ASSERT_TRUE(owner);
  EXPECT_FALSE(owner->present);
  EXPECT_TRUE(owner->dependents.count("c1"));
  EXPECT_TRUE(g.dependents_of("p1").size() == 1);

  // An object without owners or deletion finalizers needs no processing.
  EXPECT_TRUE(g.upsert(kCM, "ConfigMap", cm("parent", "p1")).empty());
  EXPECT_TRUE(g.get("p1")->present);
  EXPECT_EQ(g.dependents_of("p1").front().name, "child");
}

TEST(OwnerGraph, RemovingAnOwnerHandsBackItsDependents) {
  OwnerGraph g;
  g.upsert(kCM, "ConfigMap", cm("parent", "p1"));
  g.upsert(kCM, "ConfigMap", cm("a", "a1", Json::array({ref("parent", "p1")})));
  g.upsert(kCM, "ConfigMap", cm("b", "b1", Json::array({ref("parent", "p1")})));
  auto work = g.remove(cm("parent", "p1"));
  EXPECT_TRUE(contains(work, "a1"));
  EXPECT_TRUE(contains(work, "b1"));
  // Still referenced: kept as an absent owner.
  ASSERT_TRUE(g.get("p1"));
  EXPECT_FALSE(g.get("p1")->present);
  g.remove(cm("a", "a1"));
  g.remove(cm("b", "b1"));
  EXPECT_FALSE(g.get("p1"));
  EXPECT_EQ(g.size(), 0u);
}

TEST(OwnerGraph, DeletionFinalizersCallForProcessing) {
  OwnerGraph g;
  EXPECT_TRUE(g.upsert(kCM, "ConfigMap", cm("p", "p1")).empty());
  Json deleting = cm("p", "p1", Json::array(),
                     {{"deletionTimestamp", "2026-11-22T13:00:00Z"}, {"finalizers", {"foregroundDeletion"}}});
  EXPECT_TRUE(contains(g.upsert(kCM, "ConfigMap", deleting), "p1"));
  EXPECT_TRUE(g.get("p1")->has_finalizer("foregroundDeletion"));
  // A blocking dependent that goes away wakes the waiting owner.
  g.upsert(kCM, "ConfigMap", cm("d", "d1", Json::array({ref("p", "p1", true)})));
  auto work = g.remove(cm("d", "d1"));
  EXPECT_TRUE(contains(work, "p1"));
}

TEST(OwnerGraph, ChangedOwnersMoveTheEdges) {
  OwnerGraph g;
  g.upsert(kCM, "ConfigMap", cm("x", "x1"));
  g.upsert(kCM, "ConfigMap", cm("y", "y1"));
  g.upsert(kCM, "ConfigMap", cm("d", "d1", Json::array({ref("x", "x1")})));
  // Unchanged owners: no work on a resync.
  EXPECT_TRUE(g.upsert(kCM, "ConfigMap", cm("d", "d1", Json::array({ref("x", "x1")}))).empty());
  EXPECT_TRUE(contains(g.upsert(kCM, "ConfigMap", cm("d", "d1", Json::array({ref("y", "y1")}))), "d1"));
  EXPECT_TRUE(g.dependents_of("x1").empty());
  EXPECT_EQ(g.dependents_of("y1").size(), 1u);
}

TEST(OwnerGraph, AnObjectOwningItselfDoesNotBreakTheGraph) {
  OwnerGraph g;
  g.upsert(kCM, "ConfigMap", cm("self", "s1", Json::array({ref("self", "s1")})));
  EXPECT_TRUE(g.get("s1")->present);
  g.remove(cm("self", "s1"));
  EXPECT_FALSE(g.get("s1"));
}
