// kubectl JSONPath templates.
#include <gtest/gtest.h>

#include "jsonpath.h"

using k3s::kubectl::Json;
using k3s::kubectl::JsonPath;
using k3s::kubectl::JsonPathError;

namespace {
Json sample() {
  return Json::parse(R"({"kind":"List","items":[
    {"metadata":{"name":"a","labels":{"app.kubernetes.io/name":"x"}},"status":{"conditions":[{"type":"Ready","status":"True"}]},"spec":{"n":1}},
    {"metadata":{"name":"b"},"status":{"conditions":[{"type":"Ready","status":"False"}]},"spec":{"n":2}}]})");
}
}  // namespace

TEST(JsonPath, FieldsWildcardsAndSpacesBetweenResults) {
  EXPECT_EQ(JsonPath("{.items[*].metadata.name}").execute(sample()), "a b");
  EXPECT_EQ(JsonPath("{.kind}").execute(sample()), "List");
  EXPECT_EQ(JsonPath("{.items[0].spec}").execute(sample()), "{\"n\":1}");
  EXPECT_EQ(JsonPath("{.items[-1].metadata.name}").execute(sample()), "b");
  EXPECT_EQ(JsonPath("{.items[0:1].metadata.name}").execute(sample()), "a");
}

TEST(JsonPath, RangeAndLiterals) {
  EXPECT_EQ(JsonPath(R"({range .items[*]}{.metadata.name}{"\n"}{end})").execute(sample()), "a\nb\n");
  EXPECT_EQ(JsonPath("names: {.items[*].metadata.name}!").execute(sample()), "names: a b!");
}

TEST(JsonPath, FiltersAndEscapedKeys) {
  EXPECT_EQ(JsonPath(R"({.items[?(@.status.conditions[0].status=="True")].metadata.name})").execute(sample()), "a");
  EXPECT_EQ(JsonPath(R"({.items[?(@.spec.n>1)].metadata.name})").execute(sample()), "b");
  EXPECT_EQ(JsonPath(R"({.items[0].metadata.labels['app.kubernetes.io/name']})").execute(sample()), "x");
  EXPECT_EQ(JsonPath(R"({..name})").execute(sample()), "a b");
}

TEST(JsonPath, MissingKeysPrintNothingOrFail) {
  EXPECT_EQ(JsonPath("{.nope}").execute(sample()), "");
  EXPECT_THROW(JsonPath("{.nope}").execute(sample(), false), JsonPathError);
}

TEST(JsonPath, AsJsonCollectsResults) {
  EXPECT_EQ(JsonPath("{.items[*].spec.n}").execute_as_json(sample()), Json::parse("[1,2]"));
}

TEST(JsonPath, MalformedTemplates) {
  EXPECT_THROW(JsonPath("{.items[0"), JsonPathError);
  EXPECT_THROW(JsonPath("{.a"), JsonPathError);
}
