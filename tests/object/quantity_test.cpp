#include "object/quantity.h"

#include <gtest/gtest.h>

namespace k3s::object {
namespace {

std::string canon(std::string_view text) { return Quantity::parse(text).to_string(); }

std::string parse_error(std::string_view text) {
  try {
    Quantity::parse(text);
  } catch (const QuantityError& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(Quantity, CanonicalDecimal) {
  EXPECT_EQ(canon("0"), "0");
  EXPECT_EQ(canon("0.0"), "0");
  EXPECT_EQ(canon("000"), "0");
  EXPECT_EQ(canon("1"), "1");
  EXPECT_EQ(canon("0.5"), "500m");
  EXPECT_EQ(canon("0.1"), "100m");
  EXPECT_EQ(canon("1.5"), "1500m");
  EXPECT_EQ(canon("100m"), "100m");
  EXPECT_EQ(canon("1000m"), "1");
  EXPECT_EQ(canon("1000k"), "1M");
  EXPECT_EQ(canon("1500k"), "1500k");
  EXPECT_EQ(canon("1.5k"), "1500");
  EXPECT_EQ(canon("0.0001"), "100u");
  EXPECT_EQ(canon("1n"), "1n");
  EXPECT_EQ(canon("5G"), "5G");
  EXPECT_EQ(canon("2T"), "2T");
  EXPECT_EQ(canon("3P"), "3P");
  EXPECT_EQ(canon("4E"), "4E");
  EXPECT_EQ(canon("-1.5"), "-1500m");
  EXPECT_EQ(canon("10"), "10");
  EXPECT_EQ(canon("1.G"), "1.G");  // verbatim: Kubernetes only canonicalizes what it must
  EXPECT_EQ(canon("1.0G"), "1G");
}

TEST(Quantity, RoundsUpToNano) {
  EXPECT_EQ(canon("0.1n"), "1n");
  EXPECT_EQ(canon("1.1n"), "2n");
  EXPECT_EQ(canon("0.0000000001"), "1n");
  EXPECT_EQ(canon("-0.1n"), "-1n");
  EXPECT_EQ(canon("1.0000000001"), "1000000001n");
}

TEST(Quantity, CanonicalBinary) {
  EXPECT_EQ(canon("1Ki"), "1Ki");
  EXPECT_EQ(canon("1024Ki"), "1Mi");
  EXPECT_EQ(canon("1.5Gi"), "1536Mi");
  EXPECT_EQ(canon("0.5Gi"), "512Mi");
  EXPECT_EQ(canon("1.5Ki"), "1536");
  EXPECT_EQ(canon("0.5Ki"), "512");
  EXPECT_EQ(canon("100Mi"), "100Mi");
  EXPECT_EQ(canon("1000Mi"), "1000Mi");
  EXPECT_EQ(canon("1023Ki"), "1023Ki");
  EXPECT_EQ(canon("1Ei"), "1Ei");
  EXPECT_EQ(canon("64Gi"), "64Gi");
  // Binary values are capped at the int64 maximum.
  EXPECT_EQ(canon("8Ei"), "9223372036854775807");
  EXPECT_EQ(canon("100000Ei"), "9223372036854775807");
  // Below one, binary quantities become decimal.
  EXPECT_EQ(Quantity::parse("0.5Ki").format(), QuantityFormat::binary_si);
  EXPECT_EQ(canon("0.0001Ki"), "102400u");
}

TEST(Quantity, ExponentForms) {
  EXPECT_EQ(canon("1e3"), "1e3");
  EXPECT_EQ(canon("12e6"), "12e6");
  EXPECT_EQ(canon("1E3"), "1E3");  // kept verbatim, as Kubernetes does
  EXPECT_EQ(canon("1.5e3"), "1500");
  EXPECT_EQ(canon("15e-1"), "1500e-3");
  EXPECT_EQ(canon("1e-3"), "1e-3");
  EXPECT_EQ(canon("1000e0"), "1e3");
  EXPECT_EQ(canon("1e+3"), "1e+3");
  EXPECT_EQ(canon("1000e+3"), "1e6");
  EXPECT_EQ(Quantity::parse("1e3").value(), 1000);
}

TEST(Quantity, VerbatimTextWhenAlreadyCanonical) {
  EXPECT_EQ(canon("+1"), "+1");
  EXPECT_EQ(canon("01"), "01");
  EXPECT_EQ(canon("+1000"), "1k");
  EXPECT_EQ((Quantity::parse("+1") + Quantity::parse("1")).to_string(), "2");
}

TEST(Quantity, Errors) {
  const std::string format(kQuantityFormatError);
  EXPECT_EQ(parse_error(""), format);
  EXPECT_EQ(parse_error("abc"), format);
  EXPECT_EQ(parse_error("1Kb"), format);
  EXPECT_EQ(parse_error("1.5.5"), format);
  EXPECT_EQ(parse_error("1 Gi"), format);
  EXPECT_EQ(parse_error("1e1.5"), format);
  EXPECT_EQ(parse_error("1K"), "unable to parse quantity's suffix");
  EXPECT_EQ(parse_error("1e"), "unable to parse quantity's suffix");
  EXPECT_EQ(parse_error("1mi"), "unable to parse quantity's suffix");
  EXPECT_EQ(parse_error("--1"), "unable to parse quantity's suffix");
  EXPECT_EQ(parse_error(std::string(40, '9')), "unable to parse numeric part of quantity");
  EXPECT_EQ(format, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
}

TEST(Quantity, Values) {
  EXPECT_EQ(Quantity::parse("1.5").value(), 2);
  EXPECT_EQ(Quantity::parse("1.5").milli_value(), 1500);
  EXPECT_EQ(Quantity::parse("100m").value(), 1);
  EXPECT_EQ(Quantity::parse("100m").milli_value(), 100);
  EXPECT_EQ(Quantity::parse("1n").milli_value(), 1);
  EXPECT_EQ(Quantity::parse("-1.5").value(), -1);
  EXPECT_EQ(Quantity::parse("1Gi").value(), 1073741824);
  EXPECT_EQ(Quantity::parse("1Gi").scaled_value(6), 1074);
  EXPECT_EQ(Quantity::parse("1e30").value(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(Quantity(500, -3, QuantityFormat::decimal_si).to_string(), "500m");
  EXPECT_EQ(Quantity(2048, QuantityFormat::binary_si).to_string(), "2Ki");
  EXPECT_EQ(Quantity().to_string(), "0");
  EXPECT_TRUE(Quantity().is_zero());
}

TEST(Quantity, ArithmeticAndComparison) {
  EXPECT_EQ((Quantity::parse("1Gi") + Quantity::parse("512Mi")).to_string(), "1536Mi");
  EXPECT_EQ((Quantity::parse("100m") + Quantity::parse("900m")).to_string(), "1");
  EXPECT_EQ((Quantity::parse("1") - Quantity::parse("1500m")).to_string(), "-500m");
  EXPECT_EQ((Quantity() + Quantity::parse("1Ki")).format(), QuantityFormat::binary_si);
  Quantity sum;
  for (int i = 0; i < 3; ++i) sum += Quantity::parse("250m");
  EXPECT_EQ(sum.to_string(), "750m");
  EXPECT_GT(Quantity::parse("1Gi"), Quantity::parse("1G"));
  EXPECT_LT(Quantity::parse("999m"), Quantity::parse("1"));
  EXPECT_EQ(Quantity::parse("1000m"), Quantity::parse("1"));
  EXPECT_EQ(Quantity::parse("1Ki"), Quantity::parse("1024"));
  EXPECT_LT(Quantity::parse("-2"), Quantity::parse("-1"));
  EXPECT_GT(Quantity::parse("1e100"), Quantity::parse("1n"));
  EXPECT_LT(Quantity::parse("-1e100"), Quantity::parse("-1n"));
}

TEST(Quantity, Json) {
  EXPECT_EQ(Quantity::from_json(nlohmann::json(1.5)).to_string(), "1500m");
  EXPECT_EQ(Quantity::from_json(nlohmann::json(2)).to_string(), "2");
  EXPECT_EQ(Quantity::from_json(nlohmann::json(" 2Gi ")).to_string(), "2Gi");
  EXPECT_TRUE(Quantity::from_json(nlohmann::json()).is_zero());
  EXPECT_THROW(Quantity::from_json(nlohmann::json(true)), QuantityError);
  EXPECT_EQ(Quantity::parse("1.5Gi").to_json(), nlohmann::json("1536Mi"));
}

}  // namespace
}  // namespace k3s::object
