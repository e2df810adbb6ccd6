#include <gtest/gtest.h>

#include "object/patch.h"

namespace k3s::object::patch {
namespace {

// The examples of RFC 7386 appendix A.
TEST(MergePatch, Rfc7386Examples) {
  struct Case {
    const char* original;
    const char* patch;
    const char* result;
  } cases[] = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
      {R"({"a":"foo"})", R"(null)", R"(null)"},
      {R"({"a":"foo"})", R"("bar")", R"("bar")"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (auto& c : cases) {
    EXPECT_EQ(apply_merge_patch(Json::parse(c.original), Json::parse(c.patch)), Json::parse(c.result))
        << c.original << " + " << c.patch;
  }
}

TEST(MergePatch, CreateRoundTrips) {
  Json original = Json::parse(R"({"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"l":[1,2],"x":1}})");
  Json modified = Json::parse(R"({"metadata":{"labels":{"a":"1","c":"3"}},"spec":{"l":[2],"y":2}})");
  Json patch = create_merge_patch(original, modified);
  EXPECT_EQ(patch, Json::parse(R"({"metadata":{"labels":{"b":null,"c":"3"}},"spec":{"l":[2],"x":null,"y":2}})"));
  EXPECT_EQ(apply_merge_patch(original, patch), modified);
  EXPECT_EQ(create_merge_patch(original, original), Json::object());
}

}  // namespace
}  // namespace k3s::object::patch
