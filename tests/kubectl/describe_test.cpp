// The describers' shared formatting: selectors, annotations, ages.
#include <gtest/gtest.h>

#include "describe.h"

namespace k3s::kubectl::describe {
namespace {

TEST(DescribeSelector, SortedRequirementsAndSetOperators) {
  Json s = Json::parse(R"({"matchLabels":{"tier":"db","app":"x"},
    "matchExpressions":[{"key":"env","operator":"In","values":["prod","dev"]},
                        {"key":"legacy","operator":"DoesNotExist"},
                        {"key":"b","operator":"NotIn","values":["z"]},
                        {"key":"c","operator":"Exists"}]})");
  EXPECT_EQ(selector_text(s), "app=x,b notin (z),c,env in (dev,prod),!legacy,tier=db");
  EXPECT_EQ(selector_text(Json::object()), "<none>");
  EXPECT_EQ(labels_text(Json::parse(R"({"b":"2","a":"1"})")), "a=1,b=2");
  EXPECT_EQ(labels_text(Json::object()), "<none>");
}

TEST(DescribeAnnotations, LastAppliedHiddenLongAndMultiLineValuesOnTheirOwnLines) {
  Writer none;
  none.annotations(0, "Annotations", {{"kubectl.kubernetes.io/last-applied-configuration", "{}"}});
  EXPECT_EQ(none.text(), "Annotations:  <none>\n");

  Writer w;
  w.annotations(0, "Annotations", {{"a", "short"}, {"long", std::string(150, 'x')}, {"multi", "one\ntwo\n"}});
  EXPECT_EQ(w.text(), "Annotations:  a: short\n"
                      "              long:\n"
                      "                " + std::string(138, 'x') + "...\n"
                      "              multi:\n"
                      "                one\n"
                      "                two\n");
}

TEST(DescribeAges, GoDurationWords) {
  using std::chrono::seconds;
  EXPECT_EQ(human_age(seconds(5)), "5s");
  EXPECT_EQ(human_age(seconds(200)), "3m20s");
  EXPECT_EQ(human_age(seconds(3 * 3600 + 60)), "3h1m");
  EXPECT_EQ(human_age(seconds(3 * 86400)), "3d");
  EXPECT_EQ(human_age(seconds(-1)), "<invalid>");
  EXPECT_EQ(rfc1123("2026-01-02T03:04:05Z"), "Fri, 02 Jan 2026 03:04:05 +0000");
}

}  // namespace
}  // namespace k3s::kubectl::describe
