#include "object/meta.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace k3s::object {
namespace {

TEST(ApiVersion, SplitsGroupAndVersion) {
  auto apps = parse_api_version("apps/v1");
  EXPECT_EQ(apps.group, "apps");
  EXPECT_EQ(apps.version, "v1");
  auto core = parse_api_version("v1");
  EXPECT_EQ(core.group, "");
  EXPECT_EQ(core.version, "v1");
  EXPECT_EQ(format_api_version(apps), "apps/v1");
  EXPECT_EQ(format_api_version(core), "v1");
}

TEST(Meta, GettersOnMissingOrWrongTypesReturnEmpty) {
  Json empty = Json::object();
  EXPECT_EQ(name_of(empty), "");
  EXPECT_EQ(namespace_of(Json(nullptr)), "");
  EXPECT_EQ(generation_of(empty), 0);
  Json bad = {{"metadata", {{"name", 5}, {"labels", "x"}, {"generation", "7"}}}};
  EXPECT_EQ(name_of(bad), "");
  EXPECT_TRUE(labels_of(bad).empty());
  EXPECT_EQ(generation_of(bad), 0);
  EXPECT_FALSE(deletion_timestamp_of(bad).has_value());
  EXPECT_TRUE(owner_references_of(Json::array()).empty());
}

TEST(Meta, SettersCreateMetadata) {
  Json obj;
  set_type(obj, "v1", "Pod");
  set_name(obj, "web");
  set_namespace(obj, "default");
  set_uid(obj, "u1");
  set_resource_version(obj, "42");
  set_generation(obj, 3);
  EXPECT_EQ(api_version_of(obj), "v1");
  EXPECT_EQ(kind_of(obj), "Pod");
  EXPECT_EQ(name_of(obj), "web");
  EXPECT_EQ(namespace_of(obj), "default");
  EXPECT_EQ(uid_of(obj), "u1");
  EXPECT_EQ(resource_version_of(obj), "42");
  EXPECT_EQ(generation_of(obj), 3);
  set_namespace(obj, "");
  EXPECT_FALSE(obj["metadata"].contains("namespace"));
  set_resource_version(obj, "");
  EXPECT_FALSE(obj["metadata"].contains("resourceVersion"));
}

TEST(Meta, LabelsAndAnnotations) {
  Json obj = {{"metadata", {{"labels", {{"app", "web"}, {"n", 1}}}}}};
  EXPECT_EQ(labels_of(obj), (StringMap{{"app", "web"}}));
  EXPECT_EQ(label(obj, "app"), "web");
  EXPECT_FALSE(label(obj, "n").has_value());
  set_label(obj, "tier", "fe");
  EXPECT_EQ(label(obj, "tier"), "fe");
  remove_label(obj, "app");
  remove_label(obj, "n");
  remove_label(obj, "tier");
  EXPECT_FALSE(obj["metadata"].contains("labels"));
  set_annotation(obj, "a/b", "c");
  EXPECT_EQ(annotation(obj, "a/b"), "c");
  EXPECT_EQ(annotations_of(obj).size(), 1u);
  set_annotations(obj, {});
  EXPECT_FALSE(obj["metadata"].contains("annotations"));
  set_labels(obj, {{"x", "y"}});
  EXPECT_EQ(obj["metadata"]["labels"], Json({{"x", "y"}}));
}

TEST(Meta, OwnerReferences) {
  Json obj;
  OwnerReference rs{"apps/v1", "ReplicaSet", "web-1", "uid-rs", true, true};
  OwnerReference other{"v1", "ConfigMap", "cm", "uid-cm", std::nullopt, std::nullopt};
  set_owner_references(obj, {other, rs});
  auto refs = owner_references_of(obj);
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[1], rs);
  EXPECT_FALSE(obj["metadata"]["ownerReferences"][0].contains("controller"));
  EXPECT_EQ(obj["metadata"]["ownerReferences"][1]["blockOwnerDeletion"], true);
  EXPECT_EQ(controller_of(obj)->uid, "uid-rs");
  EXPECT_TRUE(is_owned_by(obj, "uid-cm"));
  EXPECT_FALSE(is_owned_by(obj, "nope"));
  set_owner_references(obj, {});
  EXPECT_FALSE(controller_of(obj).has_value());
}

TEST(Meta, Finalizers) {
  Json obj;
  EXPECT_TRUE(add_finalizer(obj, "kubernetes"));
  EXPECT_FALSE(add_finalizer(obj, "kubernetes"));
  EXPECT_TRUE(add_finalizer(obj, "foregroundDeletion"));
  EXPECT_EQ(finalizers_of(obj), (std::vector<std::string>{"kubernetes", "foregroundDeletion"}));
  EXPECT_TRUE(has_finalizer(obj, "foregroundDeletion"));
  EXPECT_TRUE(remove_finalizer(obj, "kubernetes"));
  EXPECT_FALSE(remove_finalizer(obj, "kubernetes"));
  EXPECT_TRUE(remove_finalizer(obj, "foregroundDeletion"));
  EXPECT_FALSE(obj["metadata"].contains("finalizers"));
}

TEST(Time, FormatsSecondsAndMicroseconds) {
  auto t = Timestamp{std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + std::chrono::hours{10} +
                     std::chrono::minutes{9} + std::chrono::seconds{24} + std::chrono::microseconds{123456}};
  EXPECT_EQ(format_time(t), "2026-11-22T10:09:24Z");
  EXPECT_EQ(format_micro_time(t), "2026-11-22T10:09:24.123456Z");
  EXPECT_EQ(format_micro_time(Timestamp{}), "1970-01-01T00:00:00.000000Z");
  // Before the epoch the fraction must still be positive.
  EXPECT_EQ(format_micro_time(Timestamp{std::chrono::microseconds{-1}}), "1969-12-31T23:59:59.999999Z");
}

TEST(Time, ParsesRfc3339Forms) {
  auto base = parse_time("2026-11-22T10:09:24Z");
  ASSERT_TRUE(base);
  EXPECT_EQ(format_time(*base), "2026-11-22T10:09:24Z");
  auto micro = parse_time("2026-11-22T10:09:24.123456Z");
  ASSERT_TRUE(micro);
  EXPECT_EQ(*micro - *base, std::chrono::microseconds{123456});
  auto nanos = parse_time("2026-11-22T10:09:24.123456789Z");
  ASSERT_TRUE(nanos);
  EXPECT_EQ(*nanos, *micro);
  auto short_fraction = parse_time("2026-11-22T10:09:24.5Z");
  ASSERT_TRUE(short_fraction);
  EXPECT_EQ(*short_fraction - *base, std::chrono::microseconds{500000});
  auto offset = parse_time("2026-11-22T12:09:24+02:00");
  ASSERT_TRUE(offset);
  EXPECT_EQ(*offset, *base);
  auto negative = parse_time("2026-11-22T05:39:24-04:30");
  ASSERT_TRUE(negative);
  EXPECT_EQ(*negative, *base);
  auto leap = parse_time("2024-02-29T00:00:00Z");
  ASSERT_TRUE(leap);
}

TEST(Time, RejectsMalformed) {
  for (const char* bad : {"", "2026-11-22", "2026-11-22T10:09:24", "2026-11-22 10:09:24Z", "2026-13-01T00:00:00Z",
                          "2025-02-29T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T10:09:24.Z",
                          "2026-11-22T10:09:24Zjunk", "2026-11-22T10:09:24+0200", "26-11-22T10:09:24Z",
                          "2026-11-22t10:09:24z"}) {
    EXPECT_FALSE(parse_time(bad).has_value()) << bad;
  }
}

TEST(Time, ObjectTimestamps) {
  Json obj;
  auto t = *parse_time("2026-01-02T03:04:05.678Z");
  set_creation_timestamp(obj, t);
  EXPECT_EQ(obj["metadata"]["creationTimestamp"], "2026-01-02T03:04:05Z");
  EXPECT_FALSE(is_being_deleted(obj));
  set_deletion_timestamp(obj, t);
  EXPECT_TRUE(is_being_deleted(obj));
  EXPECT_EQ(format_time(*deletion_timestamp_of(obj)), "2026-01-02T03:04:05Z");
  obj["metadata"]["deletionGracePeriodSeconds"] = 30;
  EXPECT_EQ(deletion_grace_period_seconds_of(obj), 30);
}

TEST(Uid, IsRandomVersion4) {
  std::regex v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto uid = new_uid();
    EXPECT_TRUE(std::regex_match(uid, v4)) << uid;
    seen.insert(uid);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(GenerateName, UsesKubeAlphabetAndTruncatesBase) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto name = generate_name("web-");
    ASSERT_EQ(name.size(), 9u);
    EXPECT_EQ(name.substr(0, 4), "web-");
    for (char c : name.substr(4)) EXPECT_NE(kGenerateNameAlphabet.find(c), std::string_view::npos) << name;
    seen.insert(name);
  }
  EXPECT_GT(seen.size(), 90u);
  std::string long_base(70, 'a');
  auto name = generate_name(long_base);
  EXPECT_EQ(name.size(), 63u);
  EXPECT_EQ(name.substr(0, 58), std::string(58, 'a'));
}

}  // namespace
}  // namespace k3s::object
