#include "node_join.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <regex>
#include <sstream>

#include "client/client.h"
#include "client/errors.h"
#include "util/base64.h"

namespace k3s::server {

namespace {

constexpr int kPasswordHashIterations = 100000;

http::Response text(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  if (!r.body.empty() && r.body.back() != '\n') r.body += "\n";
  return r;
}

std::string hex(const unsigned char* data, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 15]);
  }
  return out;
}

std::string pbkdf2_hex(const std::string& password, const std::string& salt, int iterations) {
  unsigned char out[32];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                    EVP_sha256(), sizeof out, out);
  return hex(out, sizeof out);
}

// A DNS-1123 subdomain, as Node names must be.
bool valid_node_name(const std::string& name) {
  static const std::regex pattern("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  return !name.empty() && name.size() <= 253 && std::regex_match(name, pattern);
}

std::vector<std::string> split_list(const std::string& value) {
  std::vector<std::string> out;
  std::stringstream in(value);
  std::string item;
  while (std::getline(in, item, ',')) {
    auto first = item.find_first_not_of(' ');
    auto last = item.find_last_not_of(' ');
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
  }
  return out;
}

std::string secret_name(const std::string& node) { return node + ".node-password.k3s"; }

}  // namespace

std::string agent_config_json(const cli::ServerConfig& config, int api_port) {
  client::Json body{{"clusterDNS", config.cluster_dns},
                    {"clusterDomain", config.cluster_domain},
                    {"clusterCIDR", config.cluster_cidr},
                    {"serviceCIDR", config.service_cidr},
                    {"serviceNodePortRange", config.service_node_port_range},
                    {"supervisorPort", api_port},
                    {"disableKubeProxy", config.disable_kube_proxy},
                    {"disableNetworkPolicy", config.disable_network_policy}};
  // Only a pause image the server was explicitly given overrides the agent's own default.
  if (config.agent.pause_image != cli::AgentConfig{}.pause_image) body["pauseImage"] = config.agent.pause_image;
  return body.dump();
}

std::string hash_node_password(const std::string& password) {
  unsigned char salt[16];
  RAND_bytes(salt, sizeof salt);
  const std::string salt_hex = hex(salt, sizeof salt);
  return "$pbkdf2-sha256$" + std::to_string(kPasswordHashIterations) + "$" + salt_hex + "$" +
         pbkdf2_hex(password, salt_hex, kPasswordHashIterations);
}

bool node_password_matches(const std::string& password, const std::string& stored_hash) {
  // $pbkdf2-sha256$<iterations>$<salt>$<hash>
  std::vector<std::string> parts;
  std::stringstream in(stored_hash);
  std::string part;
  while (std::getline(in, part, '$')) parts.push_back(part);
  if (parts.size() != 5 || parts[1] != "pbkdf2-sha256") return false;
  int iterations = 0;
  try {
    iterations = std::stoi(parts[2]);
  } catch (...) {
    return false;
  }
  if (iterations <= 0 || iterations > 10000000) return false;
  const std::string computed = pbkdf2_hex(password, parts[3], iterations);
  return computed.size() == parts[4].size() && CRYPTO_memcmp(computed.data(), parts[4].data(), computed.size()) == 0;
}

NodeJoin::NodeJoin(NodeJoinOptions options) : options_(std::move(options)) {}

NodeJoin::~NodeJoin() = default;

std::optional<http::Response> NodeJoin::check_node_password(const std::string& node, const std::string& password) {
  const std::string refusal =
      "Node password rejected, duplicate hostname or contents of '/etc/rancher/node/password' may not match "
      "server node-passwd entry, try enabling a unique node name with the --with-node-id flag";
  std::lock_guard lock(api_mu_);
  if (!api_) {
    api_ = std::make_unique<client::Client>(client::config_from_certificates(
        options_.api_url, options_.certs->server_ca.cert_file, options_.certs->supervisor_cert,
        options_.certs->supervisor_key));
  }
  const auto& secrets = client::resources::kSecrets;
  try {
    client::Json secret = api_->get(secrets, "kube-system", secret_name(node));
    std::string stored;
    try {
      stored = util::base64_decode(secret.value("data", client::Json::object()).value("hash", ""));
    } catch (const std::exception&) {
      stored.clear();
    }
    if (node_password_matches(password, stored)) return std::nullopt;
    spdlog::warn("Node password for {} does not match the stored one; refusing the join", node);
    return text(403, refusal);
  } catch (const client::ApiError& e) {
    if (!e.is_not_found()) return text(503, "cannot verify the node password: " + e.message());
  } catch (const std::exception& e) {
    return text(503, std::string("cannot verify the node password: ") + e.what());
  }
  client::Json secret{{"apiVersion", "v1"},
                      {"kind", "Secret"},
                      {"type", "Opaque"},
                      {"metadata",
                       {{"name", secret_name(node)},
                        {"namespace", "kube-system"},
                        {"labels", {{"k3s.io/node-password", "true"}}}}},
                      {"immutable", true},
                      {"data", {{"hash", util::base64_encode(hash_node_password(password))}}}};
  try {
    api_->create(secrets, secret);
    spdlog::info("Recorded the node password of {}", node);
    return std::nullopt;
  } catch (const client::ApiError& e) {
    // Another join of the same name won the race: verify against what it stored.
    if (e.is_already_exists()) {
      try {
        client::Json stored = api_->get(secrets, "kube-system", secret_name(node));
        if (node_password_matches(password,
                                  util::base64_decode(stored["data"].value("hash", ""))))
          return std::nullopt;
        return text(403, refusal);
      } catch (const std::exception& inner) {
        return text(503, std::string("cannot verify the node password: ") + inner.what());
      }
    }
    return text(503, "cannot record the node password: " + e.message());
  } catch (const std::exception& e) {
    return text(503, std::string("cannot record the node password: ") + e.what());
  }
}

std::optional<http::Response> NodeJoin::handle(const http::Request& request) {
  const std::string& p = request.path;
  if (p == "/v1-k3s/server-ca.crt" || p == "/v1-k3s/client-ca.crt") {
    try {
      return text(200, pki::read_file(p == "/v1-k3s/server-ca.crt" ? options_.certs->server_ca.cert_file
                                                                   : options_.certs->client_ca.cert_file));
    } catch (const std::exception& e) {
      return text(500, e.what());
    }
  }
  if (p == "/v1-k3s/config") {
    http::Response r;
    r.headers.set("Content-Type", "application/json");
    r.body = options_.config_json;
    return r;
  }
  if (p == "/v1-k3s/apiservers") {
    http::Response r;
    r.headers.set("Content-Type", "application/json");
    r.body = options_.apiservers_json;
    return r;
  }
  if (p != "/v1-k3s/client-kubelet.crt" && p != "/v1-k3s/serving-kubelet.crt") return std::nullopt;

  const std::string node = request.headers.get("k3s-Node-Name");
  const std::string password = request.headers.get("k3s-Node-Password");
  if (node.empty() || password.empty())
    return text(400, "the k3s-Node-Name and k3s-Node-Password headers are required");
  if (!valid_node_name(node))
    return text(400, "invalid node name '" + node + "': must be a lower case RFC 1123 subdomain");
  if (auto refusal = check_node_password(node, password)) return refusal;

  try {
    pki::IssuedCert issued;
    if (p == "/v1-k3s/client-kubelet.crt") {
      issued = issue_kubelet_client_cert(*options_.certs, node);
    } else {
      std::vector<std::string> names = split_list(request.headers.get("k3s-Node-IP"));
      for (const auto& name : split_list(request.headers.get("k3s-Node-External-IP"))) names.push_back(name);
      issued = issue_kubelet_serving_cert(*options_.certs, node, names);
    }
    // Certificate first, then its key, in one PEM body as k3s answers.
    return text(200, issued.cert_pem + issued.key_pem);
  } catch (const std::exception& e) {
    return text(500, std::string("cannot issue the certificate: ") + e.what());
  }
}

}  // namespace k3s::server
