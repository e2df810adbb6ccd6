// Join tokens: K10<sha256 of server-ca.crt>::<user>:<password>, kept in <data-dir>/server.
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "bootstrap.h"

namespace k3s::server {
namespace {

constexpr std::string_view kTokenPrefix = "K10";
constexpr size_t kHashHexLength = 64;

std::string trim(std::string text) {
  const char* space = " \t\r\n";
  text.erase(0, text.find_first_not_of(space));
  text.erase(text.find_last_not_of(space) + 1);
  return text;
}

bool is_hex(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c); });
}

std::string random_password() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("cannot generate a random token password");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  return out;
}

std::string full_token(const std::string& ca_hash, const std::string& user, const std::string& password) {
  return std::string(kTokenPrefix) + ca_hash + "::" + user + ":" + password;
}

bool exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

// The token text given by the operator: the flag itself, else the file it names.
std::string given_token(const std::string& token, const std::string& token_file, const char* what) {
  if (!trim(token).empty()) return trim(token);
  if (token_file.empty()) return {};
  std::string content = trim(pki::read_file(token_file));
  if (content.empty()) throw std::runtime_error(std::string(what) + "-file " + token_file + ": file is empty");
  return content;
}

// The password of `token`, refusing malformed tokens and tokens minted for another CA.
std::string password_of(const std::string& token, const std::string& origin, const std::string& ca_hash) {
  ParsedToken parsed;
  if (!parse_token(token, parsed))
    throw std::runtime_error(origin + ": malformed token (expected K10<ca-sha256>::<user>:<password> or a bare "
                             "password without whitespace)");
  if (!parsed.ca_hash.empty() && parsed.ca_hash != ca_hash)
    throw std::runtime_error(origin + ": token CA hash " + parsed.ca_hash + " does not match this server's CA (" +
                             ca_hash + "); the token belongs to another cluster or the CA was replaced");
  return parsed.password;
}

// A stored token keeps its password even if the CA was replaced since; only the hash is renewed.
std::string stored_password(const std::string& file) {
  if (!exists(file)) return {};
  ParsedToken parsed;
  if (!parse_token(trim(pki::read_file(file)), parsed))
    throw std::runtime_error(file + ": malformed stored token; fix or remove it");
  return parsed.password;
}

}  // namespace

bool parse_token(const std::string& token, ParsedToken& out) {
  out = {};
  if (token.empty()) return false;
  if (std::any_of(token.begin(), token.end(), [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); }))
    return false;
  if (token.compare(0, kTokenPrefix.size(), kTokenPrefix) != 0) {
    out.password = token;
    return true;
  }
  const size_t separator = token.find("::", kTokenPrefix.size());
  if (separator == std::string::npos) return false;
  std::string hash = token.substr(kTokenPrefix.size(), separator - kTokenPrefix.size());
  if (!hash.empty() && (hash.size() != kHashHexLength || !is_hex(hash))) return false;
  std::transform(hash.begin(), hash.end(), hash.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::string credentials = token.substr(separator + 2);
  const size_t colon = credentials.find(':');
  std::string username, password;
  if (colon == std::string::npos) {
    password = credentials;
  } else {
    username = credentials.substr(0, colon);
    password = credentials.substr(colon + 1);
    if (username.empty()) return false;
  }
  if (password.empty()) return false;
  out.ca_hash = hash;
  out.username = username;
  out.password = password;
  return true;
}

std::string server_token_password(const cli::ServerConfig& config, const std::string& server_dir) {
  const std::string given = given_token(config.agent.token, config.agent.token_file, "--token");
  if (given.empty()) return stored_password((std::filesystem::path(server_dir) / "token").string());
  ParsedToken parsed;
  if (!parse_token(given, parsed))
    throw std::runtime_error("--token: malformed token (expected K10<ca-sha256>::<user>:<password> or a bare "
                             "password without whitespace)");
  return parsed.password;
}

Tokens ensure_tokens(const cli::ServerConfig& config, const std::string& server_dir,
                     const std::string& server_ca_file) {
  namespace fs = std::filesystem;
  const std::string ca_hash = pki::sha256_file_hex(server_ca_file);
  const std::string token_file = (fs::path(server_dir) / "token").string();
  const std::string node_token_file = (fs::path(server_dir) / "node-token").string();
  const std::string agent_token_file = (fs::path(server_dir) / "agent-token").string();

  Tokens tokens;
  const std::string given = given_token(config.agent.token, config.agent.token_file, "--token");
  if (!given.empty()) {
    tokens.server_password = password_of(given, "--token", ca_hash);
  } else {
    tokens.server_password = stored_password(token_file);
    if (tokens.server_password.empty()) {
      tokens.server_password = random_password();
      spdlog::info("generated a new server token in {}", token_file);
    }
  }
  tokens.server_token = full_token(ca_hash, "server", tokens.server_password);
  pki::write_file_atomic(token_file, tokens.server_token + "\n", 0600);
  // k3s keeps node-token as the server token too: agents may join with either file's content.
  pki::write_file_atomic(node_token_file, tokens.server_token + "\n", 0600);

  const std::string given_agent = given_token(config.agent_token, config.agent_token_file, "--agent-token");
  if (!given_agent.empty()) {
    tokens.agent_password = password_of(given_agent, "--agent-token", ca_hash);
  } else {
    tokens.agent_password = stored_password(agent_token_file);
  }
  if (tokens.agent_password.empty()) {
    tokens.agent_password = tokens.server_password;
    tokens.agent_token = tokens.server_token;
  } else {
    tokens.agent_token = full_token(ca_hash, "node", tokens.agent_password);
    pki::write_file_atomic(agent_token_file, tokens.agent_token + "\n", 0600);
  }
  return tokens;
}

}  // namespace k3s::server
