#include "util/strings.h"

#include <gtest/gtest.h>

using k3s::util::join;
using k3s::util::split;

TEST(Strings, SplitKeepsEmptyPieces) {
  EXPECT_EQ(split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(split("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(split("x,", ','), (std::vector<std::string>{"x", ""}));
  EXPECT_EQ(split("8080", ','), (std::vector<std::string>{"8080"}));
}

TEST(Strings, JoinIsSplitsInverse) {
  for (std::string text : {"a,b,c", ",", "", "one"}) EXPECT_EQ(join(split(text, ','), ","), text);
}
