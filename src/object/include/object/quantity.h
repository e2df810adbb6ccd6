// resource.Quantity: parsing, canonical formatting and arithmetic with Kubernetes'
// rules ("1.5Gi" -> "1536Mi", "0.5" -> "500m", values rounded up to the nanounit,
// binary quantities capped at 2^63-1) and its error texts.
#pragma once

#include <compare>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace k3s::object {

class QuantityError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// What the suffix of the text was; canonical output keeps the same family.
enum class QuantityFormat {
  decimal_exponent,  // "12e6"
  binary_si,         // "12Mi"
  decimal_si,        // "12M", "500m"
};

inline constexpr std::string_view kQuantityFormatError =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

class Quantity {
 public:
  Quantity() = default;  // zero, DecimalSI
  Quantity(std::int64_t value, QuantityFormat format) : Quantity(value, 0, format) {}
  // value * 10^exponent10, e.g. (500, -3) is 500m.
  Quantity(std::int64_t value, int exponent10, QuantityFormat format);

  // Throws QuantityError: kQuantityFormatError, "unable to parse numeric part of quantity",
  // or "unable to parse quantity's suffix".
  static Quantity parse(std::string_view text);
  // JSON form: a string, or a number (both accepted by kube-apiserver); null is zero.
  static Quantity from_json(const nlohmann::json& value);

  // Canonical text; the original text when it already was canonical (as Kubernetes keeps it).
  std::string to_string() const;
  nlohmann::json to_json() const { return to_string(); }

  QuantityFormat format() const { return format_; }
  bool is_zero() const { return unscaled_ == 0; }
  int sign() const { return unscaled_ < 0 ? -1 : unscaled_ > 0 ? 1 : 0; }

  // ceil(q), ceil(q * 1000), ceil(q / 10^scale): saturate at the int64 range.
  std::int64_t value() const { return scaled_value(0); }
  std::int64_t milli_value() const { return scaled_value(-3); }
  std::int64_t scaled_value(int scale10) const;

  Quantity operator+(const Quantity& other) const;
  Quantity operator-(const Quantity& other) const;
  Quantity& operator+=(const Quantity& other) { return *this = *this + other; }
  Quantity& operator-=(const Quantity& other) { return *this = *this - other; }
  Quantity operator-() const;

  std::strong_ordering operator<=>(const Quantity& other) const;
  bool operator==(const Quantity& other) const { return (*this <=> other) == 0; }

 private:
  // value = unscaled_ * 10^exponent_, kept with no trailing decimal zeros in unscaled_.
  __int128 unscaled_ = 0;
  int exponent_ = 0;
  QuantityFormat format_ = QuantityFormat::decimal_si;
  std::string original_;  // the parsed text when already canonical

  void normalize();
};

}  // namespace k3s::object
