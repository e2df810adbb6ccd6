// Strict field validation (?fieldValidation=Strict|Warn) of a decoded body: the unknown
// fields of the object against its kind's schema, the kind taken from the body itself, the
// JSON type check, and the pruning that agrees with the report.
#include <cstdio>
#include <cstdlib>

#include "codec.h"
#include "fuzz_input.h"
#include "object/meta.h"
#include "schema/schema.h"
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
  if (!obj.is_object()) return 0;  // the handler answers 400 first
  const auto gv = object::parse_api_version(object::api_version_of(obj));
  std::string kind = object::kind_of(obj);
  if (kind.empty()) kind = "Pod";
  const schema::Kind k{gv.group, gv.version.empty() ? "v1" : gv.version, kind};
  (void)schema::type_error(k, obj);
  const auto reported = schema::unknown_fields(k, obj);
  // What the server stores after Warn/Ignore: pruning removes exactly what was reported.
  if (schema::prune_unknown_fields(k, obj) != reported || !schema::unknown_fields(k, obj).empty()) {
    std::fprintf(stderr, "pruning disagrees with the unknown-field report\n");
    std::abort();
  }
  return 0;
}
