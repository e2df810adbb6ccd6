// resource.Quantity from request bodies: the text form and the JSON form (a string or a
// number). Beyond not crashing (UBSan watches the 128-bit arithmetic): the canonical text
// parses back to an equal quantity, and arithmetic saturates instead of overflowing.
#include <cstdio>
#include <cstdlib>

#include "fuzz_input.h"
#include "object/quantity.h"

using k3s::object::Quantity;
using k3s::object::QuantityError;

namespace {

void check(const Quantity& q, const std::string& input) {
  const std::string canonical = q.to_string();
  Quantity back;
  try {
    back = Quantity::parse(canonical);
  } catch (const QuantityError& e) {
    std::fprintf(stderr, "canonical form %s of %s does not parse: %s\n", canonical.c_str(), input.c_str(), e.what());
    std::abort();
  }
  if (back != q || back.to_string() != canonical) {
    std::fprintf(stderr, "canonical form %s of %s reparses as %s\n", canonical.c_str(), input.c_str(),
                 back.to_string().c_str());
    std::abort();
  }
  (void)q.value();
  (void)q.milli_value();
  (void)q.scaled_value(9);
  (void)q.scaled_value(-9);
  (void)(q + q).to_string();
  (void)(q - q).to_string();
  (void)(-q).to_string();
  (void)(q + Quantity(1, -9, k3s::object::QuantityFormat::decimal_si)).to_string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = k3s::fuzz::as_string(data, size);
  try {
    check(Quantity::parse(text), text);
  } catch (const QuantityError&) {
  }
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_discarded()) {
    try {
      check(Quantity::from_json(json), text);
    } catch (const QuantityError&) {
    }
  }
  return 0;
}
