// Request-body decoding of JSON and YAML: what malformed or hostile bodies answer. Each case
// here came from the fuzzers (tests/fuzz): the server must answer 400, never a 500 or a crash.
#include <gtest/gtest.h>

#include "codec.h"
#include "status.h"

namespace k3s::apiserver {
namespace {

int decode_status(const std::string& body, const std::string& content_type) {
  std::vector<std::string> duplicates;
  try {
    decode_body(body, content_type, duplicates);
  } catch (const ApiError& e) {
    return e.code();
  }
  return 200;
}

TEST(Codec, JsonNumberBeyondDoubleIsBadRequest) {
  EXPECT_EQ(decode_status(R"({"spec":{"replicas":1e400}})", "application/json"), 400);
  std::vector<std::string> duplicates;
  try {
    decode_body("[1e400]", "application/json", duplicates);
    FAIL() << "decoded";
  } catch (const ApiError& e) {
    EXPECT_EQ(std::string(e.what()), "error decoding JSON: number overflow parsing '1e400'");
  }
}

TEST(Codec, NestingBeyondMaxDepthIsBadRequest) {
  const int deep = 1001;
  EXPECT_EQ(decode_status(std::string(deep, '[') + std::string(deep, ']'), "application/json"), 400);
  EXPECT_EQ(decode_status(std::string(deep, '[') + std::string(deep, ']'), "application/yaml"), 400);
  // The limit itself is accepted.
  EXPECT_EQ(decode_status(std::string(1000, '[') + std::string(1000, ']'), "application/json"), 200);
  // yaml-cpp refuses a few hundred levels itself.
  EXPECT_EQ(decode_status(std::string(400, '[') + std::string(400, ']'), "application/yaml"), 200);
}

TEST(Codec, YamlWithInvalidUtf8IsBadRequest) {
  EXPECT_EQ(decode_status("kind: \"Con\x9c\xdd\"\n", "application/yaml"), 400);
  // Control characters (here the fuzzer's NUL and \x01 with explicit keys) are refused up front.
  EXPECT_EQ(decode_status(std::string("\x01\0\0\0\n? ? [ [a\n", 14), "application/yaml"), 400);
  EXPECT_EQ(decode_status("a:\tb\r\nc: d\n", "application/yaml"), 200);
}

TEST(Codec, YamlAliasExpansionIsBounded) {
  // Ten aliases per level, nine levels: a billion nodes from 300 bytes.
  std::string laughs = "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n";
  for (int i = 1; i < 9; ++i) {
    laughs += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) laughs += (j ? ",*a" : "*a") + std::to_string(i - 1);
    laughs += "]\n";
  }
  EXPECT_EQ(decode_status(laughs, "application/yaml"), 400);
  // Ordinary alias use still decodes.
  std::vector<std::string> duplicates;
  Json obj = decode_body("base: &b {cpu: 1}\nlimits: *b\n", "application/yaml", duplicates);
  EXPECT_EQ(obj["limits"]["cpu"], 1);
}

}  // namespace
}  // namespace k3s::apiserver
