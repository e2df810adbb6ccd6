#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <climits>

#include "serving_sans.h"

namespace k3s::server {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

TEST(FirstIpOfCidr, Ipv4AndIpv6) {
  EXPECT_EQ(first_ip_of_cidr("10.43.0.0/16"), "10.43.0.1");
  EXPECT_EQ(first_ip_of_cidr("10.43.5.7/16"), "10.43.0.1");  // host bits are ignored
  EXPECT_EQ(first_ip_of_cidr("192.168.7.128/25"), "192.168.7.129");
  EXPECT_EQ(first_ip_of_cidr("2001:cafe:43::/112"), "2001:cafe:43::1");
  EXPECT_EQ(first_ip_of_cidr("fd00::ff:ffff/120"), "fd00::ff:ff01");
}

TEST(FirstIpOfCidr, MalformedCidrsAreClearErrors) {
  for (const char* bad : {"10.43.0.0", "abc/16", "10.0.0.0/33", "10.0.0.0/32", "10.0.0.0/", "10.0.0.0/x",
                          "::/128", "10.0.0.0/-1"}) {
    try {
      first_ip_of_cidr(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST(ServingSans, DefaultsServiceIpAndTlsSans) {
  cli::ServerConfig config;
  config.tls_sans = {"203.0.113.9", "api.example.test", "2001:db8::9,extra.example.test"};
  config.service_cidr = "10.43.0.0/16,2001:cafe:43::/112";
  config.cluster_domain = "corp.local";
  config.advertise_address = "198.51.100.4";
  ServingSans sans = serving_sans(config);
  for (const char* ip : {"127.0.0.1", "::1", "10.43.0.1", "2001:cafe:43::1", "203.0.113.9", "2001:db8::9",
                         "198.51.100.4"})
    EXPECT_TRUE(contains(sans.ips, ip)) << ip;
  for (const char* dns : {"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                          "kubernetes.default.svc.corp.local", "api.example.test", "extra.example.test"})
    EXPECT_TRUE(contains(sans.dns, dns)) << dns;
  char host[HOST_NAME_MAX + 1] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  EXPECT_TRUE(contains(sans.dns, host));
  EXPECT_FALSE(contains(sans.dns, "203.0.113.9"));
}

TEST(ServingSans, BadServiceCidrIsAnError) {
  cli::ServerConfig config;
  config.service_cidr = "10.43.0.0/40";
  EXPECT_THROW(serving_sans(config), std::runtime_error);
}

}  // namespace
}  // namespace k3s::server
