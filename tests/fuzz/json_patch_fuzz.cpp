// PATCH with application/json-patch+json: "<stored object JSON>\n---\n<RFC 6902 patch>".
#include "object/patch.h"
#include "patch_common.h"

using namespace k3s;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto in = fuzz::decode_patch_input(data, size, "application/json-patch+json");
  if (!in || !in->patch.is_array()) return 0;  // the handler answers 400 before applying
  try {
    (void)object::patch::apply_json_patch(in->target, in->patch).dump();
  } catch (const object::patch::PatchError&) {
  }
  return 0;
}
