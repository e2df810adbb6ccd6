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

}  // namespace
}  // namespace k3s::apiserver
