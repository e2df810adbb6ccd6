// A YAML request body (kubectl create -f with Content-Type application/yaml, or a
// server-side-apply body) as the server decodes it into the object model.
#include "codec.h"
#include "fuzz_input.h"
#include "status.h"

using namespace k3s;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> duplicates;
  try {
    apiserver::Json obj = apiserver::decode_body(fuzz::as_string(data, size), "application/yaml", duplicates);
    // What a response would carry back out: every decoded value must serialize.
    (void)obj.dump();
  } catch (const apiserver::ApiError&) {
  }
  return 0;
}
