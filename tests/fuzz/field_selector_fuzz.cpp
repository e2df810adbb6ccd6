// A ?fieldSelector= value. Beyond not crashing: the canonical text (values escaped) of a
// parsed selector parses back to the same requirements. Their order may differ: as in
// kube, parsing sorts the raw terms, and escaping can change how two terms sort.
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <tuple>

#include "fuzz_input.h"
#include "object/fields.h"

using namespace k3s::object::fields;

namespace {

std::vector<Requirement> sorted(std::vector<Requirement> r) {
  std::sort(r.begin(), r.end(), [](const Requirement& a, const Requirement& b) {
    return std::tie(a.field, a.equals, a.value) < std::tie(b.field, b.equals, b.value);
  });
  return r;
}

}  // namespace

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
  if (sorted(reparsed.requirements()) != sorted(selector.requirements())) {
    std::fprintf(stderr, "canonical form %s of %s reparses as %s\n", canonical.c_str(), text.c_str(),
                 reparsed.to_string().c_str());
    std::abort();
  }
  (void)selector.matches({{"metadata.name", "x"}, {"status.phase", "Running"}});
  (void)selector.requires_exact_match("metadata.name");
  return 0;
}
