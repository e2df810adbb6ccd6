#include <gtest/gtest.h>

#include "object/patch.h"

namespace k3s::object::patch {
namespace {

Json apply(const char* doc, const char* ops) { return apply_json_patch(Json::parse(doc), Json::parse(ops)); }

std::string apply_error(const char* doc, const char* ops, PatchErrorCode* code = nullptr) {
  try {
    apply(doc, ops);
  } catch (const PatchError& e) {
    if (code) *code = e.code();
    return e.what();
  }
  return "<no error>";
}

TEST(JsonPointer, ParsesAndEscapes) {
  EXPECT_EQ(parse_json_pointer(""), std::vector<std::string>{});
  EXPECT_EQ(parse_json_pointer("/"), std::vector<std::string>{""});
  EXPECT_EQ(parse_json_pointer("/a~1b/~0c/~01"), (std::vector<std::string>{"a/b", "~c", "~1"}));
  EXPECT_EQ(parse_json_pointer("/a//b"), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_THROW(parse_json_pointer("a"), PatchError);
  EXPECT_THROW(parse_json_pointer("/a~2"), PatchError);
  EXPECT_THROW(parse_json_pointer("/a~"), PatchError);
  EXPECT_EQ(escape_json_pointer_token("a/b~c"), "a~1b~0c");
  EXPECT_EQ(format_json_pointer({"metadata", "annotations", "example.com/key"}), "/metadata/annotations/example.com~1key");
}

TEST(JsonPatch, Add) {
  EXPECT_EQ(apply(R"({"a":1})", R"([{"op":"add","path":"/b","value":{"c":2}}])"), Json::parse(R"({"a":1,"b":{"c":2}})"));
  EXPECT_EQ(apply(R"({"a":1})", R"([{"op":"add","path":"/a","value":3}])"), Json::parse(R"({"a":3})"));
  EXPECT_EQ(apply(R"({"l":[1,2]})", R"([{"op":"add","path":"/l/-","value":3}])"), Json::parse(R"({"l":[1,2,3]})"));
  EXPECT_EQ(apply(R"({"l":[1,2]})", R"([{"op":"add","path":"/l/0","value":0}])"), Json::parse(R"({"l":[0,1,2]})"));
  EXPECT_EQ(apply(R"({"l":[1,2]})", R"([{"op":"add","path":"/l/2","value":3}])"), Json::parse(R"({"l":[1,2,3]})"));
  // Negative indices count from the end of the grown list, as in evanphx/json-patch.
  EXPECT_EQ(apply(R"({"l":[1,2]})", R"([{"op":"add","path":"/l/-1","value":9}])"), Json::parse(R"({"l":[1,2,9]})"));
  // Escaped keys, as used for annotation and label keys containing '/'.
  EXPECT_EQ(apply(R"({"metadata":{"labels":{}}})",
                  R"([{"op":"add","path":"/metadata/labels/app.kubernetes.io~1name","value":"web"},
                      {"op":"add","path":"/metadata/labels/a~0b","value":"x"}])"),
            Json::parse(R"({"metadata":{"labels":{"app.kubernetes.io/name":"web","a~b":"x"}}})"));
  EXPECT_EQ(apply(R"({})", R"([{"op":"add","path":"/","value":1}])"), Json::parse(R"({"":1})"));
}

TEST(JsonPatch, RemoveReplaceMoveCopyTest) {
  EXPECT_EQ(apply(R"({"a":1,"b":2})", R"([{"op":"remove","path":"/a"}])"), Json::parse(R"({"b":2})"));
  EXPECT_EQ(apply(R"({"l":[1,2,3]})", R"([{"op":"remove","path":"/l/1"}])"), Json::parse(R"({"l":[1,3]})"));
  EXPECT_EQ(apply(R"({"l":[1,2,3]})", R"([{"op":"remove","path":"/l/-1"}])"), Json::parse(R"({"l":[1,2]})"));
  EXPECT_EQ(apply(R"({"a":1})", R"([{"op":"replace","path":"/a","value":[1]}])"), Json::parse(R"({"a":[1]})"));
  EXPECT_EQ(apply(R"({"l":[1,2]})", R"([{"op":"replace","path":"/l/0","value":5}])"), Json::parse(R"({"l":[5,2]})"));
  // kube's JSON patch library lets "replace" create a missing object member.
  EXPECT_EQ(apply(R"({"a":1})", R"([{"op":"replace","path":"/b","value":2}])"), Json::parse(R"({"a":1,"b":2})"));
  EXPECT_EQ(apply(R"({"a":1})", R"([{"op":"replace","path":"","value":{"z":0}}])"), Json::parse(R"({"z":0})"));
  EXPECT_EQ(apply(R"({"a":{"b":1},"c":{}})", R"([{"op":"move","from":"/a/b","path":"/c/d"}])"),
            Json::parse(R"({"a":{},"c":{"d":1}})"));
  EXPECT_EQ(apply(R"({"l":[1,2,3]})", R"([{"op":"move","from":"/l/0","path":"/l/-"}])"), Json::parse(R"({"l":[2,3,1]})"));
  EXPECT_EQ(apply(R"({"a":{"b":[1]}})", R"([{"op":"copy","from":"/a","path":"/c"}])"),
            Json::parse(R"({"a":{"b":[1]},"c":{"b":[1]}})"));
  EXPECT_EQ(apply(R"({"a":{"b":1.0}})", R"([{"op":"test","path":"/a","value":{"b":1}}])"), Json::parse(R"({"a":{"b":1}})"));
  EXPECT_EQ(apply(R"({"a":1})", R"([{"op":"test","path":"/missing","value":null}])"), Json::parse(R"({"a":1})"));
  EXPECT_EQ(apply(R"({"a":1})", R"([{"op":"test","path":"","value":{"a":1}}])"), Json::parse(R"({"a":1})"));
}

TEST(JsonPatch, AppliesOperationsInOrderAndAtomically) {
  Json doc = Json::parse(R"({"metadata":{"resourceVersion":"5"},"spec":{"replicas":1}})");
  Json ops = Json::parse(R"([{"op":"test","path":"/metadata/resourceVersion","value":"5"},
                              {"op":"replace","path":"/spec/replicas","value":3}])");
  EXPECT_EQ(apply_json_patch(doc, ops)["spec"]["replicas"], 3);
  Json failing = Json::parse(R"([{"op":"replace","path":"/spec/replicas","value":3},
                                  {"op":"test","path":"/metadata/resourceVersion","value":"4"}])");
  EXPECT_THROW(apply_json_patch(doc, failing), PatchError);
  EXPECT_EQ(doc["spec"]["replicas"], 1);
}

TEST(JsonPatch, ErrorMessages) {
  PatchErrorCode code{};
  EXPECT_EQ(apply_error(R"({"a":1})", R"([{"op":"test","path":"/a","value":2}])", &code), "testing value /a failed: test failed");
  EXPECT_EQ(code, PatchErrorCode::unprocessable);
  EXPECT_EQ(apply_error(R"({"a":1})", R"([{"op":"add","path":"/x/y","value":2}])"),
            "add operation does not apply: doc is missing path: \"/x/y\": missing value");
  EXPECT_EQ(apply_error(R"({"a":1})", R"([{"op":"remove","path":"/b"}])"),
            "error in remove for path: '/b': Unable to remove nonexistent key: b: missing value");
  EXPECT_EQ(apply_error(R"({"l":[1]})", R"([{"op":"remove","path":"/l/3"}])"),
            "error in remove for path: '/l/3': Unable to access invalid index: 3: invalid index referenced");
  EXPECT_EQ(apply_error(R"({"l":[1]})", R"([{"op":"add","path":"/l/5","value":1}])"),
            "error in add for path: '/l/5': Unable to access invalid index: 5: invalid index referenced");
  EXPECT_EQ(apply_error(R"({"l":[1]})", R"([{"op":"add","path":"/l/x","value":1}])"),
            "error in add for path: '/l/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": "
            "invalid syntax");
  EXPECT_EQ(apply_error(R"({"l":[1]})", R"([{"op":"replace","path":"/l/4","value":1}])"),
            "replace operation does not apply: doc is missing key: /l/4: missing value");
  EXPECT_EQ(apply_error(R"({"a":1})", R"([{"op":"move","from":"/x/y","path":"/b"}])"),
            "move operation does not apply: doc is missing from path: /x/y: missing value");
  EXPECT_EQ(apply_error(R"({"a":1})", R"([{"op":"copy","from":"/a","path":"/x/y"}])"),
            "copy operation does not apply: doc is missing destination path: /x/y: missing value");
  EXPECT_EQ(apply_error(R"({"a":1})", R"([{"op":"frobnicate","path":"/a"}])"), "Unexpected kind: frobnicate");
  EXPECT_EQ(apply_error(R"({"a":1})", R"([{"path":"/a"}])"), "Unexpected kind: unknown");
  EXPECT_EQ(apply_error(R"({"a":1})", R"([{"op":"add","value":1}])"),
            "add operation failed to decode path: missing value");
  EXPECT_EQ(apply_error(R"({"a":1})", R"([{"op":"add","path":"/b"}])"),
            "add operation, missing value field: missing value");
  EXPECT_EQ(apply_error(R"({"a":1})", R"({"op":"add"})", &code),
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  EXPECT_EQ(code, PatchErrorCode::bad_request);
}

TEST(JsonPatch, TooManyOperations) {
  Json ops = Json::array();
  for (std::size_t i = 0; i <= kMaxJsonPatchOperations; ++i) ops.push_back({{"op", "test"}, {"path", ""}, {"value", Json::object()}});
  try {
    apply_json_patch(Json::object(), ops);
    FAIL() << "expected an error";
  } catch (const PatchError& e) {
    EXPECT_EQ(e.code(), PatchErrorCode::too_large);
  }
}

}  // namespace
}  // namespace k3s::object::patch
