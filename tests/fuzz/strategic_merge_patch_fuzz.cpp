// PATCH with application/strategic-merge-patch+json: "<stored object JSON>\n---\n<patch>".
// The patch schema is the built-in one of the stored object's kind, as the handler picks
// it, or none (lists replace) for kinds without one.
#include "object/meta.h"
#include "object/patch.h"
#include "patch_common.h"

using namespace k3s;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto in = fuzz::decode_patch_input(data, size, "application/strategic-merge-patch+json");
  if (!in || !in->patch.is_object()) return 0;  // the handler answers 400 before applying
  const auto gv = object::parse_api_version(object::api_version_of(in->target));
  auto schema = object::patch::builtin_patch_schema(gv.group, object::kind_of(in->target));
  static const object::patch::TablePatchSchema no_merge_keys;
  const object::patch::PatchSchema& meta = schema ? *schema : static_cast<const object::patch::PatchSchema&>(no_merge_keys);
  try {
    (void)object::patch::apply_strategic_merge_patch(in->target, in->patch, meta).dump();
  } catch (const object::patch::PatchError&) {
  }
  return 0;
}
