// PATCH with application/merge-patch+json: "<stored object JSON>\n---\n<RFC 7386 patch>".
#include "object/patch.h"
#include "patch_common.h"

using namespace k3s;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto in = fuzz::decode_patch_input(data, size, "application/merge-patch+json");
  if (!in) return 0;
  try {
    (void)object::patch::apply_merge_patch(in->target, in->patch).dump();
  } catch (const object::patch::PatchError&) {
  }
  return 0;
}
