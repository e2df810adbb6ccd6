// An application/vnd.kubernetes.protobuf request body: the "k8s\0" envelope around
// runtime.Unknown whose raw bytes are the typed message, converted to the object model.
#include "codec.h"
#include "fuzz_input.h"
#include "protobuf_codec.h"
#include "status.h"

using namespace k3s;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> duplicates;
  try {
    apiserver::Json obj = apiserver::decode_body(fuzz::as_string(data, size),
                                                 std::string(apiserver::protobuf::kMediaType), duplicates);
    (void)obj.dump();
  } catch (const apiserver::ApiError&) {
  }
  return 0;
}
