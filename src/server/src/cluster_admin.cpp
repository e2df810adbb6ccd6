#include "cluster_admin.h"

#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bootstrap.h"
#include "cluster_bootstrap.h"
#include "pki/pki.h"

namespace k3s::server {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

http::Response text(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body) + "\n";
  return r;
}

std::optional<Json> parse_body(const http::Request& request) {
  try {
    Json body = Json::parse(request.body);
    if (body.is_object()) return body;
  } catch (const Json::exception&) {
  }
  return std::nullopt;
}

http::Response rotate_token(const ClusterAdminOptions& options, const http::Request& request,
                            const std::string& password) {
  const auto body = parse_body(request);
  if (!body || !body->contains("token") || !(*body)["token"].is_string())
    return text(400, "the request needs a JSON body with the new token");
  const std::string given = (*body)["token"].get<std::string>();
  ParsedToken parsed;
  if (!parse_token(given, parsed))
    return text(400, "the new token is malformed (expected K10<ca-sha256>::<user>:<password> or a bare password "
                     "without whitespace)");
  if (!parsed.username.empty() && parsed.username != "server")
    return text(400, "the new token names user \"" + parsed.username + "\"; a server token is for user \"server\"");
  const std::string ca_file = (fs::path(options.tls_dir) / "server-ca.crt").string();
  const std::string ca_hash = pki::sha256_file_hex(ca_file);
  if (!parsed.ca_hash.empty() && parsed.ca_hash != ca_hash)
    return text(400, "the new token's CA hash does not match this cluster's server CA");
  if (parsed.password == password) return text(400, "the new token is the current one");
  try {
    reseal_cluster_secrets(*options.store, password, parsed.password);
  } catch (const WrongTokenError& e) {
    return text(409, std::string(e.what()) + " (this server's token differs from the one the data was sealed with)");
  } catch (const std::exception& e) {
    return text(500, std::string("cannot re-seal the bootstrap data: ") + e.what());
  }
  // Written after the datastore: a failure here leaves files a restart with --token repairs.
  const std::string full = "K10" + ca_hash + "::server:" + parsed.password + "\n";
  pki::write_file_atomic((fs::path(options.server_dir) / "token").string(), full, 0600);
  pki::write_file_atomic((fs::path(options.server_dir) / "node-token").string(), full, 0600);
  if (options.on_token_rotated) options.on_token_rotated(password, parsed.password);
  spdlog::info("Server token rotated; restart every server with the new token");
  return text(200, "token rotated");
}

// The CA pairs a rotation may replace, by file stem.
const char* const kCaNames[] = {"server-ca", "client-ca", "request-header-ca"};

http::Response rotate_ca(const ClusterAdminOptions& options, const http::Request& request,
                         const std::string& password) {
  const auto body = parse_body(request);
  if (!body || !body->contains("files") || !(*body)["files"].is_object())
    return text(400, "the request needs a JSON body with the CA files");
  const bool force = body->value("force", false);
  std::map<std::string, std::string> files;
  for (const auto& [name, content] : (*body)["files"].items()) {
    if (!is_shared_file(name)) return text(400, name + " is not one of the cluster's CA files");
    if (!content.is_string()) return text(400, name + ": content must be a string");
    files[name] = content.get<std::string>();
  }
  if (files.empty()) return text(400, "no CA certificates or keys given");
  std::map<std::string, std::string> current;
  try {
    current = read_cluster_secrets(*options.store, password);
  } catch (const std::exception& e) {
    return text(500, std::string("cannot read the current bootstrap data: ") + e.what());
  }
  try {
    for (const char* name : kCaNames) {
      const std::string crt = std::string(name) + ".crt", key = std::string(name) + ".key";
      const bool has_crt = files.count(crt), has_key = files.count(key);
      if (!has_crt && !has_key) continue;
      if (has_crt != has_key) return text(400, crt + " and " + key + " go together: " + (has_crt ? key : crt) + " is missing");
      pki::check_ca_key_pair(files[crt], files[key], name);
      std::string why;
      if (!force && current.count(crt) && !pki::chains_to(current[crt], files[crt], &why))
        return text(400, "the new " + crt + " does not chain to the current " + name + " (" + why +
                             "): cross-sign it with the current CA, or use --force");
    }
    if (files.count("service.key")) pki::check_rsa_private_key(files["service.key"], "service.key");
  } catch (const pki::PkiError& e) {
    return text(400, e.what());
  }
  try {
    update_cluster_secrets(*options.store, password, files);
  } catch (const std::exception& e) {
    return text(500, std::string("cannot store the CA files: ") + e.what());
  }
  return text(200, "certificates saved to datastore");
}

}  // namespace

std::optional<http::Response> handle_cluster_admin(const ClusterAdminOptions& options, const http::Request& request,
                                                   const std::string& password) {
  if (request.path != "/v1-k3s/token" && request.path != "/v1-k3s/cert/cacerts") return std::nullopt;
  if (request.method != "PUT" && request.method != "POST") {
    auto r = text(405, "method not allowed");
    r.headers.set("Allow", "PUT, POST");
    return r;
  }
  return request.path == "/v1-k3s/token" ? rotate_token(options, request, password)
                                         : rotate_ca(options, request, password);
}

}  // namespace k3s::server
