// A ?labelSelector= value. Beyond not crashing: the canonical text of a parsed selector
// parses back to the same selector (the server and clients pass it around as text).
#include <cstdio>
#include <cstdlib>

#include "fuzz_input.h"
#include "object/labels.h"

using namespace k3s::object::labels;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = k3s::fuzz::as_string(data, size);
  Selector selector;
  try {
    selector = Selector::parse(text);
  } catch (const SelectorError&) {
    return 0;
  }
  const std::string canonical = selector.to_string();
  std::string again;
  try {
    again = Selector::parse(canonical).to_string();
  } catch (const SelectorError& e) {
    std::fprintf(stderr, "canonical form %s of %s does not parse: %s\n", canonical.c_str(), text.c_str(), e.what());
    std::abort();
  }
  if (again != canonical) {
    std::fprintf(stderr, "canonical form %s of %s reparses as %s\n", canonical.c_str(), text.c_str(), again.c_str());
    std::abort();
  }
  (void)selector.matches({{"app", "web"}, {"tier", "5"}, {"", ""}});
  (void)selector.requires_exact_match("app");
  return 0;
}
