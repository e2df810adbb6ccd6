#include <gtest/gtest.h>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "pod_masquerade.h"

using namespace k3s::agent;

TEST(PodMasquerade, RulesMasqueradeOnlyPodTrafficLeavingThePodNetwork) {
  const std::string rules = render_pod_masquerade_rules("10.42.0.7/24");
  EXPECT_NE(rules.find("*nat\n:K3S-POD-MASQ - [0:0]\n"), std::string::npos);
  EXPECT_NE(rules.find("-A K3S-POD-MASQ ! -s 10.42.0.0/24 -j RETURN\n"), std::string::npos);
  EXPECT_NE(rules.find("-A K3S-POD-MASQ -d 10.42.0.0/24 -j RETURN\n"), std::string::npos);
  EXPECT_NE(rules.find("-A K3S-POD-MASQ -d 224.0.0.0/4 -j RETURN\n"), std::string::npos);
  EXPECT_NE(rules.find("-j MASQUERADE\nCOMMIT\n"), std::string::npos);
  EXPECT_THROW(render_pod_masquerade_rules("10.42.0.0"), std::invalid_argument);
  EXPECT_THROW(render_pod_masquerade_rules("fd00::/64"), std::invalid_argument);
  EXPECT_THROW(render_pod_masquerade_rules("10.42.0.0/24\n-A POSTROUTING -j ACCEPT"), std::invalid_argument);
  EXPECT_THROW(render_pod_masquerade_rules("10.42.0.0/33"), std::invalid_argument);
}

// The real iptables in a network namespace of the test's own: installing twice leaves one
// jump, and a new podCIDR replaces the chain's rules.
TEST(PodMasquerade, InstallsOnceAndFollowsACidrChange) {
  if (geteuid() != 0) GTEST_FAIL() << "needs root (a network namespace and iptables)";
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(out[0]);
    dup2(out[1], 1);
    if (unshare(CLONE_NEWNET) != 0) _exit(2);
    try {
      ensure_pod_masquerade("10.42.0.0/24");
      ensure_pod_masquerade("10.42.0.0/24");
      ensure_pod_masquerade("10.42.5.0/24");
    } catch (const std::exception& e) {
      fprintf(stderr, "%s\n", e.what());
      _exit(3);
    }
    fflush(stdout);
    execlp("iptables", "iptables", "-w", "5", "-t", "nat", "-S", static_cast<char*>(nullptr));
    _exit(4);
  }
  close(out[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status << "\n" << text;
  size_t jumps = 0;
  for (size_t at = 0; (at = text.find("-A POSTROUTING", at)) != std::string::npos; ++at)
    if (text.find("-j K3S-POD-MASQ", at) < text.find('\n', at)) ++jumps;
  EXPECT_EQ(jumps, 1u) << text;
  EXPECT_NE(text.find("-A K3S-POD-MASQ ! -s 10.42.5.0/24 -j RETURN"), std::string::npos) << text;
  EXPECT_EQ(text.find("10.42.0.0/24"), std::string::npos) << text;
  EXPECT_NE(text.find("-j MASQUERADE"), std::string::npos) << text;
}
