#include <gtest/gtest.h>

#include <stdexcept>

#include "util/base64.h"

using k3s::util::Base64Alphabet;
using k3s::util::base64_decode;
using k3s::util::base64_encode;

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, UrlAlphabetWithoutPadding) {
  const std::string bytes("\xfb\xff\xfe", 3);
  EXPECT_EQ(base64_encode(bytes), "+//+");
  EXPECT_EQ(base64_encode(bytes, Base64Alphabet::url), "-__-");
  EXPECT_EQ(base64_encode("f", Base64Alphabet::url, false), "Zg");
}

TEST(Base64, DecodesEitherAlphabetPaddingAndWhitespace) {
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
  EXPECT_EQ(base64_decode("Zm9vYg"), "foob");
  EXPECT_EQ(base64_decode("Zm9v\nYmFy\n"), "foobar");
  EXPECT_EQ(base64_decode("-__-"), std::string("\xfb\xff\xfe", 3));
  EXPECT_EQ(base64_decode("+//+"), std::string("\xfb\xff\xfe", 3));
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
  EXPECT_EQ(base64_decode(base64_encode(all, Base64Alphabet::url, false)), all);
}

TEST(Base64, IllegalInputNamesTheByte) {
  try {
    base64_decode("Zm9v*mFy");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "illegal base64 data at input byte 4");
  }
  EXPECT_THROW(base64_decode("Zg==Zg"), std::invalid_argument);  // data after padding
  EXPECT_THROW(base64_decode("Z"), std::invalid_argument);       // a lone digit
}
