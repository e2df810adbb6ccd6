#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "bootstrap.h"
#include "temp_dir.h"

namespace k3s::server {
namespace {

using k3s::testing::file_mode;
using k3s::testing::TempDir;

std::string trimmed(const std::string& file) {
  std::string text = pki::read_file(file);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

class TokensTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::string server_dir = dir.file("server");
  pki::CertificateAuthority ca = pki::ensure_ca(dir.file("server/tls/server-ca.crt"),
                                                dir.file("server/tls/server-ca.key"), "k3s-server-ca");
  std::string ca_hash = pki::sha256_file_hex(ca.cert_file);
  cli::ServerConfig config;
};

TEST_F(TokensTest, GeneratesK10TokenWithRandomPasswordAndPrivateFiles) {
  Tokens tokens = ensure_tokens(config, server_dir, ca.cert_file);
  EXPECT_TRUE(std::regex_match(tokens.server_password, std::regex("[0-9a-f]{32}"))) << tokens.server_password;
  EXPECT_EQ(tokens.server_token, "K10" + ca_hash + "::server:" + tokens.server_password);
  EXPECT_EQ(trimmed(server_dir + "/token"), tokens.server_token);
  EXPECT_EQ(trimmed(server_dir + "/node-token"), tokens.server_token);
  EXPECT_EQ(file_mode(server_dir + "/token"), 0600u);
  EXPECT_EQ(file_mode(server_dir + "/node-token"), 0600u);
  EXPECT_FALSE(std::filesystem::exists(server_dir + "/agent-token"));
  EXPECT_EQ(tokens.agent_token, tokens.server_token);
  EXPECT_EQ(tokens.agent_password, tokens.server_password);

  TempDir other;
  pki::ensure_ca(other.file("ca.crt"), other.file("ca.key"), "x");
  Tokens second = ensure_tokens(config, other.path(), other.file("ca.crt"));
  EXPECT_NE(second.server_password, tokens.server_password);
}

TEST_F(TokensTest, RestartReusesStoredToken) {
  Tokens first = ensure_tokens(config, server_dir, ca.cert_file);
  Tokens again = ensure_tokens(config, server_dir, ca.cert_file);
  EXPECT_EQ(again.server_token, first.server_token);
}

TEST_F(TokensTest, BarePasswordIsWrittenBackInFullForm) {
  config.agent.token = "my-secret";
  Tokens tokens = ensure_tokens(config, server_dir, ca.cert_file);
  EXPECT_EQ(tokens.server_password, "my-secret");
  EXPECT_EQ(trimmed(server_dir + "/token"), "K10" + ca_hash + "::server:my-secret");
}

TEST_F(TokensTest, MatchingK10TokenIsAcceptedAndMismatchingHashIsRefused) {
  config.agent.token = "K10" + ca_hash + "::server:abc123";
  EXPECT_EQ(ensure_tokens(config, server_dir, ca.cert_file).server_password, "abc123");

  config.agent.token = "K10" + std::string(64, 'a') + "::server:abc123";
  try {
    ensure_tokens(config, server_dir, ca.cert_file);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("does not match"), std::string::npos) << e.what();
  }
}

TEST_F(TokensTest, TokenFileIsRead) {
  std::ofstream(dir.file("tokenfile")) << "from-file\n";
  config.agent.token_file = dir.file("tokenfile");
  EXPECT_EQ(ensure_tokens(config, server_dir, ca.cert_file).server_password, "from-file");
  std::ofstream(dir.file("empty")) << "\n";
  config.agent.token_file = dir.file("empty");
  EXPECT_THROW(ensure_tokens(config, server_dir, ca.cert_file), std::runtime_error);
  config.agent.token_file = dir.file("missing");
  EXPECT_THROW(ensure_tokens(config, server_dir, ca.cert_file), std::runtime_error);
}

TEST_F(TokensTest, SeparateAgentTokenIsWrittenAndKept) {
  config.agent.token = "server-secret";
  config.agent_token = "agent-secret";
  Tokens tokens = ensure_tokens(config, server_dir, ca.cert_file);
  EXPECT_EQ(tokens.agent_password, "agent-secret");
  EXPECT_EQ(tokens.agent_token, "K10" + ca_hash + "::node:agent-secret");
  EXPECT_EQ(trimmed(server_dir + "/agent-token"), tokens.agent_token);
  EXPECT_EQ(file_mode(server_dir + "/agent-token"), 0600u);
  EXPECT_EQ(trimmed(server_dir + "/node-token"), tokens.server_token);

  config.agent_token.clear();
  EXPECT_EQ(ensure_tokens(config, server_dir, ca.cert_file).agent_password, "agent-secret");
}

TEST_F(TokensTest, MalformedTokenIsAClearError) {
  config.agent.token = "K10abc::server:x";
  try {
    ensure_tokens(config, server_dir, ca.cert_file);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--token"), std::string::npos) << e.what();
  }
}

TEST_F(TokensTest, StoredTokenSurvivesANewCaWithTheHashRenewed) {
  Tokens first = ensure_tokens(config, server_dir, ca.cert_file);
  std::filesystem::remove_all(dir.file("server/tls"));
  pki::ensure_ca(dir.file("server/tls/server-ca.crt"), dir.file("server/tls/server-ca.key"), "k3s-server-ca");
  Tokens second = ensure_tokens(config, server_dir, ca.cert_file);
  EXPECT_EQ(second.server_password, first.server_password);
  EXPECT_NE(second.server_token, first.server_token);
}

TEST(ParseToken, FullAndBareForms) {
  ParsedToken parsed;
  const std::string hash(64, 'b');
  ASSERT_TRUE(parse_token("K10" + hash + "::server:pw", parsed));
  EXPECT_EQ(parsed.ca_hash, hash);
  EXPECT_EQ(parsed.username, "server");
  EXPECT_EQ(parsed.password, "pw");

  ASSERT_TRUE(parse_token("K10" + std::string(64, 'C') + "::node:a:b", parsed));
  EXPECT_EQ(parsed.ca_hash, std::string(64, 'c'));  // hex is case-insensitive, kept lower case
  EXPECT_EQ(parsed.username, "node");
  EXPECT_EQ(parsed.password, "a:b");

  ASSERT_TRUE(parse_token("K10" + hash + "::justpassword", parsed));
  EXPECT_EQ(parsed.username, "");
  EXPECT_EQ(parsed.password, "justpassword");

  ASSERT_TRUE(parse_token("K10::server:pw", parsed));
  EXPECT_EQ(parsed.ca_hash, "");

  ASSERT_TRUE(parse_token("abcdef.0123456789abcdef", parsed));
  EXPECT_EQ(parsed.ca_hash, "");
  EXPECT_EQ(parsed.username, "");
  EXPECT_EQ(parsed.password, "abcdef.0123456789abcdef");
}

TEST(ParseToken, MalformedTokens) {
  ParsedToken parsed;
  const std::string hash(64, 'b');
  for (const std::string& bad :
       std::vector<std::string>{std::string(), "K10" + hash, "K10" + hash + "::", "K10" + hash + "::server:", "K10" + hash + "::" + ":pw",
        std::string("K10xyz::server:pw"), "K10" + std::string(63, 'b') + "::server:pw", std::string("pass word"),
        std::string("pw\n"), "K10" + std::string(64, 'g') + "::server:pw"})
    EXPECT_FALSE(parse_token(bad, parsed)) << "accepted '" << bad << "'";
}

}  // namespace
}  // namespace k3s::server
