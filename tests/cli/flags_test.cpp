#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "cli/flags.h"

namespace fs = std::filesystem;
using k3s::cli::apply_flags;
using k3s::cli::ServerConfig;
using k3s::cli::UsageError;

class FlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("k3s-cli-test-" + std::to_string(getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir);
    config = (dir / "config.yaml").string();
    unsetenv("K3S_TOKEN");
    unsetenv("K3S_CONFIG_FILE");
    unsetenv("K3S_KUBECONFIG_MODE");
  }
  void TearDown() override { fs::remove_all(dir); }
  void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  fs::path dir;
  std::string config;
};

TEST_F(FlagsTest, CommandLineBeatsEnvironmentBeatsFile) {
  write(config, "token: from-file\nwrite-kubeconfig-mode: \"0640\"\nhttps-listen-port: 7443\n");
  setenv("K3S_TOKEN", "from-env", 1);
  setenv("K3S_KUBECONFIG_MODE", "0644", 1);
  ServerConfig c;
  apply_flags("server", k3s::cli::server_flags(c), {"--write-kubeconfig-mode", "0600"}, config);
  EXPECT_EQ(c.agent.token, "from-env");
  EXPECT_EQ(c.write_kubeconfig_mode, "0600");
  EXPECT_EQ(c.https_listen_port, 7443);
  unsetenv("K3S_TOKEN");
  unsetenv("K3S_KUBECONFIG_MODE");
}

TEST_F(FlagsTest, ListsRepeatAndDropInsAppendWithPlus) {
  write(config, "node-label:\n  - a=1\n  - b=2\ntls-san: one.example\n");
  write(dir / "config.yaml.d" / "10-more.yaml", "node-label+: [c=3]\ntls-san: two.example\n");
  ServerConfig c;
  apply_flags("server", k3s::cli::server_flags(c), {}, config);
  EXPECT_EQ(c.agent.node_labels, (std::vector<std::string>{"a=1", "b=2", "c=3"}));
  EXPECT_EQ(c.tls_sans, (std::vector<std::string>{"two.example"}));

  ServerConfig d;
  apply_flags("server", k3s::cli::server_flags(d), {"--node-label", "x=1", "--node-label=y=2"}, config);
  EXPECT_EQ(d.agent.node_labels, (std::vector<std::string>{"x=1", "y=2"}));
}

TEST_F(FlagsTest, UnknownKeyNamesFileAndLine) {
  write(config, "token: t\nno-such-flag: 1\n");
  ServerConfig c;
  try {
    apply_flags("server", k3s::cli::server_flags(c), {}, config);
    FAIL() << "expected an error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(config + ":2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no-such-flag"), std::string::npos) << e.what();
  }
}

TEST_F(FlagsTest, WrongTypesAreErrors) {
  write(config, "https-listen-port: lots\n");
  ServerConfig c;
  EXPECT_THROW(apply_flags("server", k3s::cli::server_flags(c), {}, config), UsageError);
  write(config, "disable-agent: maybe\n");
  EXPECT_THROW(apply_flags("server", k3s::cli::server_flags(c), {}, config), UsageError);
  write(config, "token: [a, b]\n");
  EXPECT_THROW(apply_flags("server", k3s::cli::server_flags(c), {}, config), UsageError);
  write(config, "token: [unclosed\n");
  EXPECT_THROW(apply_flags("server", k3s::cli::server_flags(c), {}, config), UsageError);
}

TEST_F(FlagsTest, UnknownFlagAndMissingValue) {
  ServerConfig c;
  EXPECT_THROW(apply_flags("server", k3s::cli::server_flags(c), {"--bogus"}, ""), UsageError);
  EXPECT_THROW(apply_flags("server", k3s::cli::server_flags(c), {"--token"}, ""), UsageError);
  EXPECT_THROW(apply_flags("server", k3s::cli::server_flags(c), {"--https-listen-port", "x"}, ""), UsageError);
}

TEST_F(FlagsTest, ExplicitConfigFileMustExist) {
  ServerConfig c;
  EXPECT_THROW(apply_flags("server", k3s::cli::server_flags(c), {"--config", (dir / "nope.yaml").string()}, config),
               UsageError);
  // The default file may be absent.
  EXPECT_NO_THROW(apply_flags("server", k3s::cli::server_flags(c), {}, (dir / "absent.yaml").string()));
}

TEST_F(FlagsTest, ConfigFlagAndBooleans) {
  auto other = dir / "other.yaml";
  write(other, "disable-agent: true\ncluster-cidr: 10.99.0.0/16\n");
  ServerConfig c;
  apply_flags("server", k3s::cli::server_flags(c), {"-c", other.string(), "--debug"}, config);
  EXPECT_TRUE(c.disable_agent);
  EXPECT_TRUE(c.agent.log.debug);
  EXPECT_EQ(c.cluster_cidr, "10.99.0.0/16");
  ServerConfig d;
  apply_flags("server", k3s::cli::server_flags(d), {"--disable-agent=false"}, "");
  EXPECT_FALSE(d.disable_agent);
}

TEST_F(FlagsTest, HelpListsFlagsWithEnvironmentNames) {
  ServerConfig c;
  auto flags = k3s::cli::server_flags(c);
  auto parsed = apply_flags("server", flags, {"--help"}, config);
  EXPECT_TRUE(parsed.help_requested);
  auto help = k3s::cli::render_help("k3s server", "Run management server", flags);
  EXPECT_NE(help.find("--datastore-endpoint value"), std::string::npos);
  EXPECT_NE(help.find("[$K3S_DATASTORE_ENDPOINT]"), std::string::npos);
}
