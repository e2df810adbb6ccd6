// A ?fieldSelector= value. Beyond not crashing: the canonical text (values escaped) of a
// parsed selector parses back to the same selector.
#include <cstdio>
#include <cstdlib>

#include "fuzz_input.h"
#include "object/fields.h"

using namespace k3s::object::fields;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = k3s::fuzz::as_string(data, size);
  Selector selector;
  try {
    selector = Selector::parse(text);
  } catch (const SelectorError&) {
    return 0;
  }
  const std::string canonical = selector.to_string();
  Selector reparsed;
  try {
    reparsed = Selector::parse(canonical);
  } catch (const SelectorError& e) {
    std::fprintf(stderr, "canonical form %s of %s does not parse: %s\n", canonical.c_str(), text.c_str(), e.what());
    std::abort();
  }
  if (reparsed.to_string() != canonical) {
    std::fprintf(stderr, "canonical form %s of %s reparses as %s\n", canonical.c_str(), text.c_str(),
                 reparsed.to_string().c_str());
    std::abort();
  }
  (void)selector.matches({{"metadata.name", "x"}, {"status.phase", "Running"}});
  (void)selector.requires_exact_match("metadata.name");
  return 0;
}
