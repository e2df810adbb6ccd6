#include <gtest/gtest.h>

#include "core/cidr_set.h"

using k3s::controllers::core::CidrSet;
using k3s::controllers::core::split_cidrs;

TEST(CidrSet, HandsOutNodeSubnetsInOrder) {
  CidrSet set("10.42.0.0/16", 24);
  EXPECT_EQ(set.capacity(), 256u);
  EXPECT_EQ(set.allocate(), "10.42.0.0/24");
  EXPECT_EQ(set.allocate(), "10.42.1.0/24");
  EXPECT_EQ(set.used(), 2u);
}

TEST(CidrSet, OccupiedSubnetsAreSkippedAndReleasedOnesReused) {
  CidrSet set("10.42.0.0/16", 24);
  EXPECT_TRUE(set.occupy("10.42.0.0/24"));
  EXPECT_TRUE(set.occupy("10.42.1.0/24"));
  EXPECT_EQ(set.allocate(), "10.42.2.0/24");
  set.release("10.42.1.0/24");
  // The search goes on from the last allocation and wraps around.
  for (int i = 3; i < 256; ++i) EXPECT_EQ(set.allocate(), "10.42." + std::to_string(i) + ".0/24");
  EXPECT_EQ(set.allocate(), "10.42.1.0/24");
  EXPECT_EQ(set.allocate(), std::nullopt);
}

TEST(CidrSet, ForeignCidrsAreNotOccupied) {
  CidrSet set("10.42.0.0/16", 24);
  EXPECT_FALSE(set.occupy("10.43.0.0/24"));
  EXPECT_FALSE(set.occupy("10.42.0.0/25"));
  EXPECT_FALSE(set.occupy("fd00::/64"));
  EXPECT_FALSE(set.occupy("garbage"));
  EXPECT_EQ(set.used(), 0u);
}

TEST(CidrSet, ExhaustionIsReported) {
  CidrSet set("10.42.0.0/23", 24);
  EXPECT_TRUE(set.allocate());
  EXPECT_TRUE(set.allocate());
  EXPECT_EQ(set.allocate(), std::nullopt);
}

TEST(CidrSet, Ipv6) {
  CidrSet set("fd00:42::/56", 64);
  EXPECT_TRUE(set.is_ipv6());
  EXPECT_EQ(set.allocate(), "fd00:42::/64");
  EXPECT_EQ(set.allocate(), "fd00:42:0:1::/64");
  EXPECT_TRUE(set.occupy("fd00:42:0:ff::/64"));
  EXPECT_FALSE(set.occupy("fd00:43::/64"));
}

TEST(CidrSet, BadConfigurationIsRejected) {
  EXPECT_THROW(CidrSet("10.42.0.0", 24), std::invalid_argument);
  EXPECT_THROW(CidrSet("10.42.0.0/33", 24), std::invalid_argument);
  EXPECT_THROW(CidrSet("10.42.0.0/16", 8), std::invalid_argument);
  EXPECT_THROW(CidrSet("10.0.0.0/8", 25), std::invalid_argument);  // more than 16 bits of subnets
  EXPECT_THROW(CidrSet("fd00::/48", 129), std::invalid_argument);
}

TEST(CidrSet, HostBitsInTheClusterCidrAreIgnored) {
  CidrSet set("10.42.7.9/16", 24);
  EXPECT_EQ(set.allocate(), "10.42.0.0/24");
}

TEST(SplitCidrs, DualStackList) {
  EXPECT_EQ(split_cidrs("10.42.0.0/16, fd00:42::/56"), (std::vector<std::string>{"10.42.0.0/16", "fd00:42::/56"}));
  EXPECT_EQ(split_cidrs(""), std::vector<std::string>{});
  EXPECT_EQ(split_cidrs("a,,b"), (std::vector<std::string>{"a", "b"}));
}
