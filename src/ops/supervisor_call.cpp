#include "supervisor_call.h"

#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "client/kubeconfig.h"
#include "http/client.h"
#include "pki/pki.h"
#include "util/base64.h"

namespace fs = std::filesystem;

namespace k3s::ops {

namespace {

std::string trim(std::string s) {
  const char* space = " \t\r\n";
  s.erase(0, s.find_first_not_of(space));
  s.erase(s.find_last_not_of(space) + 1);
  return s;
}

// The CA hash a K10 token carries, "" for a bare password.
std::string token_hash(const std::string& token) {
  if (token.rfind("K10", 0) != 0) return {};
  const auto sep = token.find("::");
  return sep == std::string::npos ? std::string() : token.substr(3, sep - 3);
}

std::string first_line(const std::string& text) {
  std::string line = trim(text);
  const auto nl = line.find('\n');
  return nl == std::string::npos ? line : line.substr(0, nl);
}

}  // namespace

std::string token_password(const std::string& token) {
  if (token.rfind("K10", 0) == 0 && token.find("::") != std::string::npos) {
    const std::string credentials = token.substr(token.find("::") + 2);
    const auto colon = credentials.find(':');
    return colon == std::string::npos ? credentials : credentials.substr(colon + 1);
  }
  return token;
}

std::string put_as_server(const SupervisorTarget& target, const std::string& path, const std::string& json_body) {
  std::string token = trim(target.token);
  const std::string token_file = (fs::path(target.data_dir) / "server" / "token").string();
  std::error_code ec;
  if (token.empty() && fs::exists(token_file, ec)) token = trim(pki::read_file(token_file));
  if (token.empty()) throw std::runtime_error("no server token: pass --token (or set K3S_TOKEN)");

  std::string server = target.server;
  http::ClientOptions options;
  options.timeout = std::chrono::seconds(30);
  if (!target.kubeconfig.empty()) {
    client::LoadingRules rules;
    rules.explicit_path = target.kubeconfig;
    const client::RestConfig kc = client::build_config(rules, {});
    if (server.empty()) server = kc.server;
    options.ca_file = kc.ca_file;
    options.ca_pem = kc.ca_pem;
  }
  if (server.empty()) server = "https://127.0.0.1:6443";
  const std::string local_ca = (fs::path(target.data_dir) / "server" / "tls" / "server-ca.crt").string();
  if (options.ca_file.empty() && options.ca_pem.empty()) {
    if (fs::exists(local_ca, ec)) {
      options.ca_file = local_ca;
    } else {
      // As agents do: take the server's CA bundle and trust it only if the token names its hash.
      http::ClientOptions insecure;
      insecure.insecure_skip_verify = true;
      insecure.timeout = options.timeout;
      const auto cacerts = http::Client(server, insecure).request("GET", "/cacerts");
      if (cacerts.status != 200) throw std::runtime_error(server + "/cacerts answered " + std::to_string(cacerts.status));
      const std::string hash = token_hash(token);
      if (hash.empty())
        std::cerr << "WARN: the token carries no CA hash, so the server's CA cannot be checked; use the full token "
                     "from the server's node-token file\n";
      else if (hash != pki::sha256_hex(cacerts.body))
        throw std::runtime_error("the server's CA does not match the CA hash in the token");
      options.ca_pem = cacerts.body;
    }
  }

  http::Headers headers;
  headers.set("Content-Type", "application/json");
  headers.set("Authorization", "Basic " + util::base64_encode("server:" + token_password(token)));
  http::ClientResponse response;
  try {
    response = http::Client(server, options).request("PUT", path, headers, json_body);
  } catch (const http::ClientError& e) {
    throw std::runtime_error("cannot reach the server at " + server + ": " + e.what());
  }
  if (response.status == 401) throw std::runtime_error("the server refused the token: it is not this cluster's server token");
  if (response.status / 100 != 2)
    throw std::runtime_error(first_line(response.body.empty() ? "the server answered " + std::to_string(response.status)
                                                              : response.body));
  return response.body;
}

}  // namespace k3s::ops
