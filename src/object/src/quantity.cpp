#include "object/quantity.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace k3s::object {

namespace {

using i128 = __int128;

const char* const kNumericError = "unable to parse numeric part of quantity";
const char* const kSuffixError = "unable to parse quantity's suffix";

constexpr i128 kInt128Max = (static_cast<i128>(std::numeric_limits<std::int64_t>::max()) << 64) |
                            static_cast<i128>(std::numeric_limits<std::uint64_t>::max());

std::optional<i128> checked_mul(i128 a, i128 b) {
  i128 out;
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

std::optional<i128> checked_pow10(int n) {
  i128 out = 1;
  for (int i = 0; i < n; ++i) {
    auto next = checked_mul(out, 10);
    if (!next) return std::nullopt;
    out = *next;
  }
  return out;
}

std::string to_decimal(i128 v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  std::string digits;
  while (v != 0) {
    int d = static_cast<int>(v % 10);
    digits.push_back(static_cast<char>('0' + (d < 0 ? -d : d)));
    v /= 10;
  }
  if (negative) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

struct Suffix {
  int base;  // 10 or 2
  int exponent;
  QuantityFormat format;
};

std::optional<Suffix> interpret_suffix(std::string_view s) {
  static const std::pair<std::string_view, Suffix> kTable[] = {
      {"", {10, 0, QuantityFormat::decimal_si}},    {"n", {10, -9, QuantityFormat::decimal_si}},
      {"u", {10, -6, QuantityFormat::decimal_si}},  {"m", {10, -3, QuantityFormat::decimal_si}},
      {"k", {10, 3, QuantityFormat::decimal_si}},   {"M", {10, 6, QuantityFormat::decimal_si}},
      {"G", {10, 9, QuantityFormat::decimal_si}},   {"T", {10, 12, QuantityFormat::decimal_si}},
      {"P", {10, 15, QuantityFormat::decimal_si}},  {"E", {10, 18, QuantityFormat::decimal_si}},
      {"Ki", {2, 10, QuantityFormat::binary_si}},   {"Mi", {2, 20, QuantityFormat::binary_si}},
      {"Gi", {2, 30, QuantityFormat::binary_si}},   {"Ti", {2, 40, QuantityFormat::binary_si}},
      {"Pi", {2, 50, QuantityFormat::binary_si}},   {"Ei", {2, 60, QuantityFormat::binary_si}},
  };
  for (auto& [text, suffix] : kTable) {
    if (text == s) return suffix;
  }
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    std::string_view digits = s.substr(1);
    std::size_t start = (digits[0] == '+' || digits[0] == '-') ? 1 : 0;
    if (start == digits.size() || digits.size() > 10) return std::nullopt;
    long long value = 0;
    for (std::size_t i = start; i < digits.size(); ++i) {
      if (digits[i] < '0' || digits[i] > '9') return std::nullopt;
      value = value * 10 + (digits[i] - '0');
    }
    if (value > 100000) return std::nullopt;  // far beyond any real quantity; keeps arithmetic bounded
    return Suffix{10, static_cast<int>(digits[0] == '-' ? -value : value), QuantityFormat::decimal_exponent};
  }
  return std::nullopt;
}

struct Pieces {
  bool positive = true;
  std::string num;    // integer digits, leading zeros stripped ("0" if none)
  std::string denom;  // fraction digits
  std::string suffix;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_suffix_char(char c) { return std::string_view("eEinumkKMGTP").find(c) != std::string_view::npos; }

// Mirrors Kubernetes' parseQuantityString: sign, digits, optional fraction, suffix.
Pieces split(std::string_view str) {
  Pieces p;
  std::size_t pos = 0, end = str.size();
  if (pos < end && (str[0] == '-' || str[0] == '+')) {
    p.positive = str[0] != '-';
    ++pos;
  }
  while (pos < end && str[pos] == '0') ++pos;
  if (pos >= end) {
    p.num = "0";
    return p;
  }
  std::size_t start = pos;
  while (pos < end && is_digit(str[pos])) ++pos;
  p.num = std::string(str.substr(start, pos - start));
  if (pos >= end) return p;
  if (p.num.empty()) p.num = "0";
  if (str[pos] == '.') {
    ++pos;
    start = pos;
    while (pos < end && is_digit(str[pos])) ++pos;
    p.denom = std::string(str.substr(start, pos - start));
    if (pos >= end) return p;
  }
  std::size_t suffix_start = pos;
  while (pos < end && is_suffix_char(str[pos])) ++pos;
  if (pos < end && (str[pos] == '-' || str[pos] == '+')) ++pos;
  while (pos < end && is_digit(str[pos])) ++pos;
  if (pos < end) throw QuantityError(std::string(kQuantityFormatError));
  p.suffix = std::string(str.substr(suffix_start));
  return p;
}

// Rounds magnitude up (away from zero) to a multiple of 10^-9.
void round_up_to_nano(i128& unscaled, int& exponent) {
  if (exponent >= -9) return;
  int drop = -9 - exponent;
  if (drop > 38) {
    unscaled = unscaled == 0 ? 0 : (unscaled < 0 ? -1 : 1);
  } else {
    i128 divisor = *checked_pow10(drop);
    i128 q = unscaled / divisor;
    if (unscaled % divisor != 0) q += unscaled < 0 ? -1 : 1;
    unscaled = q;
  }
  exponent = -9;
}

}  // namespace

Quantity::Quantity(std::int64_t value, int exponent10, QuantityFormat format)
    : unscaled_(value), exponent_(exponent10), format_(format) {
  round_up_to_nano(unscaled_, exponent_);
  normalize();
}

void Quantity::normalize() {
  if (unscaled_ == 0) {
    exponent_ = 0;
    return;
  }
  while (unscaled_ % 10 == 0) {
    unscaled_ /= 10;
    ++exponent_;
  }
}

Quantity Quantity::parse(std::string_view text) {
  if (text.empty()) throw QuantityError(std::string(kQuantityFormatError));
  Quantity q;
  if (text == "0") {
    q.original_ = "0";
    return q;
  }
  Pieces p = split(text);
  auto suffix = interpret_suffix(p.suffix);
  if (!suffix) throw QuantityError(kSuffixError);

  std::string digits = p.num + p.denom;
  std::size_t first = digits.find_first_not_of('0');
  std::string significant = first == std::string::npos ? "0" : digits.substr(first);
  if (significant.size() > 38) throw QuantityError(kNumericError);
  i128 unscaled = 0;
  for (char c : significant) unscaled = unscaled * 10 + (c - '0');
  int exponent = -static_cast<int>(p.denom.size());

  QuantityFormat format = suffix->format;
  if (suffix->base == 10) {
    exponent += suffix->exponent;
  } else {
    // Binary suffix: multiply by 2^exponent; past int128 the binary cap applies anyway.
    auto scaled = checked_mul(unscaled, static_cast<i128>(1) << suffix->exponent);
    unscaled = scaled ? *scaled : kInt128Max;
    if (!scaled) exponent = std::max(exponent, 0);
  }
  if (!p.positive) unscaled = -unscaled;

  q.unscaled_ = unscaled;
  q.exponent_ = exponent;
  q.format_ = format;
  round_up_to_nano(q.unscaled_, q.exponent_);
  q.normalize();

  if (format == QuantityFormat::binary_si) {
    const Quantity max_allowed(std::numeric_limits<std::int64_t>::max(), QuantityFormat::binary_si);
    if (q > max_allowed) {
      q.unscaled_ = max_allowed.unscaled_;
      q.exponent_ = max_allowed.exponent_;
    }
    Quantity one(1, QuantityFormat::decimal_si);
    if (q.sign() > 0 && q < one) q.format_ = QuantityFormat::decimal_si;
  }

  // Kubernetes keeps the text as given when its int64 fast path sees it as canonical
  // (so "+1" and "01" round-trip verbatim, "1000k" becomes "1M").
  std::string shifted = p.num + p.denom;
  if (format == QuantityFormat::binary_si) {
    int precision = 15 - static_cast<int>(p.num.size()) - static_cast<int>(static_cast<float>(suffix->exponent) * 3 / 10) - 1;
    if (p.denom.empty() && precision >= 0 && shifted.size() <= 18) {
      long long value = std::stoll(shifted);
      bool fits = value <= (std::numeric_limits<std::int64_t>::max() >> suffix->exponent);
      if (fits && suffix->exponent % 10 == 0 && (value & 0x07) != 0) q.original_ = std::string(text);
    }
  } else {
    int scale = suffix->exponent - static_cast<int>(p.denom.size());
    bool fast = 18 - static_cast<int>(shifted.size()) >= 0 && scale >= -9;
    bool ends_000 = shifted.size() >= 3 && shifted.compare(shifted.size() - 3, 3, "000") == 0;
    if (fast && scale % 3 == 0 && !ends_000 && shifted[0] != '0') q.original_ = std::string(text);
  }
  return q;
}

Quantity Quantity::from_json(const nlohmann::json& value) {
  if (value.is_null()) return Quantity();
  if (value.is_string()) {
    std::string text = value.get<std::string>();
    auto b = text.find_first_not_of(" \t\r\n");
    auto e = text.find_last_not_of(" \t\r\n");
    return parse(b == std::string::npos ? std::string_view() : std::string_view(text).substr(b, e - b + 1));
  }
  if (value.is_number()) return parse(value.dump());
  throw QuantityError(std::string(kQuantityFormatError));
}

std::string Quantity::to_string() const {
  if (!original_.empty()) return original_;
  if (unscaled_ == 0) return "0";

  QuantityFormat format = format_;
  if (format == QuantityFormat::binary_si) {
    Quantity lo(-1024, QuantityFormat::decimal_si), hi(1024, QuantityFormat::decimal_si);
    if ((*this > lo && *this < hi) || exponent_ < 0) format = QuantityFormat::decimal_si;
  }

  if (format == QuantityFormat::binary_si) {
    auto factor = checked_pow10(exponent_);
    auto whole = factor ? checked_mul(unscaled_, *factor) : std::nullopt;
    if (whole) {
      i128 amount = *whole;
      int exponent = 0;
      while (exponent < 6 && amount % 1024 == 0) {
        amount /= 1024;
        ++exponent;
      }
      static const char* const kBinary[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
      return to_decimal(amount) + kBinary[exponent];
    }
    format = QuantityFormat::decimal_si;
  }

  i128 amount = unscaled_;
  int exponent = exponent_;
  while (exponent % 3 != 0) {
    auto next = checked_mul(amount, 10);
    if (!next) break;
    amount = *next;
    --exponent;
  }
  std::string number = to_decimal(amount);
  if (format == QuantityFormat::decimal_exponent || exponent % 3 != 0) {
    return exponent == 0 ? number : number + "e" + std::to_string(exponent);
  }
  switch (exponent) {
    case -9: return number + "n";
    case -6: return number + "u";
    case -3: return number + "m";
    case 0: return number;
    case 3: return number + "k";
    case 6: return number + "M";
    case 9: return number + "G";
    case 12: return number + "T";
    case 15: return number + "P";
    case 18: return number + "E";
    default: return number + "e" + std::to_string(exponent);
  }
}

std::int64_t Quantity::scaled_value(int scale10) const {
  // ceil(unscaled * 10^(exponent - scale10))
  int shift = exponent_ - scale10;
  constexpr i128 kMax = std::numeric_limits<std::int64_t>::max();
  constexpr i128 kMin = std::numeric_limits<std::int64_t>::min();
  i128 result;
  if (shift >= 0) {
    auto factor = checked_pow10(shift);
    auto product = factor ? checked_mul(unscaled_, *factor) : std::nullopt;
    if (!product) return unscaled_ < 0 ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max();
    result = *product;
  } else {
    auto divisor = checked_pow10(-shift);
    if (!divisor) return unscaled_ > 0 ? 1 : 0;
    result = unscaled_ / *divisor;
    if (unscaled_ % *divisor != 0 && unscaled_ > 0) ++result;
  }
  return static_cast<std::int64_t>(std::clamp(result, kMin, kMax));
}

namespace {
// Brings two values to a common exponent; throws when that cannot be represented.
std::pair<i128, i128> aligned(i128 a, int ea, i128 b, int eb, int& exponent) {
  exponent = std::min(ea, eb);
  auto fa = checked_pow10(ea - exponent);
  auto fb = checked_pow10(eb - exponent);
  auto va = fa ? checked_mul(a, *fa) : std::nullopt;
  auto vb = fb ? checked_mul(b, *fb) : std::nullopt;
  if (!va || !vb) throw QuantityError("quantity arithmetic overflow");
  return {*va, *vb};
}
}  // namespace

Quantity Quantity::operator+(const Quantity& other) const {
  Quantity out;
  out.format_ = unscaled_ == 0 ? other.format_ : format_;
  int exponent;
  auto [a, b] = aligned(unscaled_, exponent_, other.unscaled_, other.exponent_, exponent);
  if (__builtin_add_overflow(a, b, &out.unscaled_)) throw QuantityError("quantity arithmetic overflow");
  out.exponent_ = exponent;
  out.normalize();
  return out;
}

Quantity Quantity::operator-() const {
  Quantity out = *this;
  out.unscaled_ = -unscaled_;
  out.original_.clear();
  return out;
}

Quantity Quantity::operator-(const Quantity& other) const {
  Quantity result = *this + (-other);
  result.format_ = unscaled_ == 0 ? other.format_ : format_;
  return result;
}

std::strong_ordering Quantity::operator<=>(const Quantity& other) const {
  if (sign() != other.sign()) return sign() <=> other.sign();
  int exponent;
  try {
    auto [a, b] = aligned(unscaled_, exponent_, other.unscaled_, other.exponent_, exponent);
    return a <=> b;
  } catch (const QuantityError&) {
    // Only values of wildly different magnitude fail to align: the larger exponent wins.
    bool this_bigger_magnitude = exponent_ > other.exponent_;
    if (sign() > 0) return this_bigger_magnitude ? std::strong_ordering::greater : std::strong_ordering::less;
    return this_bigger_magnitude ? std::strong_ordering::less : std::strong_ordering::greater;
  }
}

}  // namespace k3s::object
