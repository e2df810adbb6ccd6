// pflag-style parsing.
#include <gtest/gtest.h>

#include "flags.h"

using k3s::kubectl::Flags;
using k3s::kubectl::UsageError;

namespace {
Flags make() {
  Flags f;
  f.add("namespace", 'n', true);
  f.add("output", 'o', true);
  f.add("all-namespaces", 'A', false);
  f.add("watch", 'w', false);
  f.add("label-columns", 'L', true);
  return f;
}
}  // namespace

TEST(Flags, FlagsAnywhereInAllForms) {
  Flags f = make();
  f.parse({"pods", "-n", "a", "x", "--output=json", "-Aw", "-Lapp,tier", "-L", "x"});
  EXPECT_EQ(f.positional(), (std::vector<std::string>{"pods", "x"}));
  EXPECT_EQ(f.str("namespace"), "a");
  EXPECT_EQ(f.str("output"), "json");
  EXPECT_TRUE(f.boolean("all-namespaces"));
  EXPECT_TRUE(f.boolean("watch"));
  EXPECT_EQ(f.list("label-columns"), (std::vector<std::string>{"app", "tier", "x"}));
}

TEST(Flags, DoubleDashEndsFlags) {
  Flags f = make();
  f.parse({"x", "--", "sh", "-c", "echo"});
  EXPECT_TRUE(f.had_dashes());
  EXPECT_EQ(f.after_dashes(), (std::vector<std::string>{"sh", "-c", "echo"}));
}

TEST(Flags, ErrorsUsePflagWording) {
  Flags f = make();
  try {
    f.parse({"--bogus"});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "unknown flag: --bogus");
  }
  Flags g = make();
  EXPECT_THROW(g.parse({"-n"}), UsageError);
  Flags h = make();
  h.parse({"--watch=maybe"});
  EXPECT_THROW(h.boolean("watch"), UsageError);
}
