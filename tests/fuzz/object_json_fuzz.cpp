// A JSON request body (create/update) as the server decodes it, then the metadata the
// handlers read from it before validation: getters are documented never to throw on
// wrongly typed fields, and the label checks take whatever the client sent.
#include "codec.h"
#include "fuzz_input.h"
#include "object/labels.h"
#include "object/meta.h"
#include "object/validation.h"
#include "status.h"

using namespace k3s;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> duplicates;
  apiserver::Json obj;
  try {
    obj = apiserver::decode_body(fuzz::as_string(data, size), "application/json", duplicates);
  } catch (const apiserver::ApiError&) {
    return 0;
  }
  (void)object::api_version_of(obj);
  (void)object::parse_api_version(object::api_version_of(obj));
  (void)object::kind_of(obj);
  (void)object::name_of(obj);
  (void)object::namespace_of(obj);
  (void)object::generate_name_of(obj);
  (void)object::resource_version_of(obj);
  (void)object::generation_of(obj);
  (void)object::labels_of(obj);
  (void)object::annotations_of(obj);
  (void)object::owner_references_of(obj);
  (void)object::controller_of(obj);
  (void)object::finalizers_of(obj);
  (void)object::creation_timestamp_of(obj);
  const auto& metadata = object::object_member(obj, "metadata");
  object::FieldErrors errors;
  if (metadata.contains("labels"))
    object::labels::validate_labels(metadata["labels"], object::FieldPath("metadata").child("labels"), errors);
  const auto& spec = object::object_member(obj, "spec");
  if (spec.contains("selector")) {
    object::labels::validate_label_selector(spec["selector"], object::FieldPath("spec").child("selector"), errors);
    try {
      (void)object::labels::Selector::from_label_selector(spec["selector"]);
    } catch (const object::labels::SelectorError&) {
    }
  }
  return 0;
}
