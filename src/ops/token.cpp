// `k3s token create|list|delete|generate`: bootstrap tokens, stored as kube does (Secret
// kube-system/bootstrap-token-<id>, type bootstrap.kubernetes.io/token), printed with the
// server CA hash in k3s's K10<hash>::<id>.<secret> form so agents can join with them.
#include <openssl/rand.h>

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "client/client.h"
#include "client/kubeconfig.h"
#include "object/meta.h"
#include "ops/ops.h"
#include "pki/pki.h"
#include "supervisor_call.h"

namespace fs = std::filesystem;

namespace k3s::ops {

namespace {

constexpr const char* kDefaultGroup = "system:bootstrappers:k3s:default-node-token";
const std::regex kTokenPattern("^([a-z0-9]{6})\\.([a-z0-9]{16})$");

std::string random_chars(std::size_t n) {
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  while (out.size() < n) {
    unsigned char b[64];
    if (RAND_bytes(b, sizeof(b)) != 1) throw std::runtime_error("no randomness available");
    for (unsigned char c : b) {
      if (c < 252 && out.size() < n) out += alphabet[c % 36];  // 252 = 7*36: no modulo bias
    }
  }
  return out;
}

struct Options {
  std::string data_dir, kubeconfig, server;
  std::string token, new_token;  // rotate
  std::string description;
  std::vector<std::string> groups{kDefaultGroup};
  std::vector<std::string> usages{"signing", "authentication"};
  std::chrono::seconds ttl{std::chrono::hours(24)};
  std::vector<std::string> positional;
};

std::chrono::seconds parse_duration(const std::string& text) {
  // Go durations as k3s takes them: "24h", "30m", "1h30m", "0" (never expires).
  if (text == "0") return std::chrono::seconds(0);
  static const std::regex part("([0-9]+)(h|m|s)");
  std::chrono::seconds total{0};
  std::size_t consumed = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), part); it != std::sregex_iterator(); ++it) {
    if (static_cast<std::size_t>(it->position()) != consumed) break;
    const long long n = std::stoll((*it)[1]);
    const char unit = (*it)[2].str()[0];
    total += std::chrono::seconds(unit == 'h' ? n * 3600 : unit == 'm' ? n * 60 : n);
    consumed += static_cast<std::size_t>(it->length());
  }
  if (consumed != text.size() || text.empty()) throw cli::UsageError("invalid value \"" + text + "\" for flag -ttl: invalid duration");
  return total;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) out.push_back(part);
  return out;
}

Options parse(const std::vector<std::string>& args, const std::string& data_dir) {
  Options o;
  o.data_dir = data_dir;
  const char* env = getenv("KUBECONFIG");
  if (env) o.kubeconfig = env;
  if (const char* t = getenv("K3S_TOKEN")) o.token = t;
  if (const char* url = getenv("K3S_URL")) o.server = url;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string a = args[i];
    std::string inline_value;
    bool has_inline = false;
    if (a.starts_with("--") && a.find('=') != std::string::npos) {
      inline_value = a.substr(a.find('=') + 1);
      a = a.substr(0, a.find('='));
      has_inline = true;
    }
    auto value = [&]() -> std::string {
      if (has_inline) return inline_value;
      if (i + 1 >= args.size()) throw cli::UsageError("flag needs an argument: " + a);
      return args[++i];
    };
    if (a == "--data-dir" || a == "-d") o.data_dir = value();
    else if (a == "--kubeconfig") o.kubeconfig = value();
    else if (a == "--server") o.server = value();
    else if (a == "--token" || a == "-t") o.token = value();
    else if (a == "--new-token") o.new_token = value();
    else if (a == "--description") o.description = value();
    else if (a == "--groups") o.groups = split_commas(value());
    else if (a == "--usages") o.usages = split_commas(value());
    else if (a == "--ttl") o.ttl = parse_duration(value());
    else if (a.starts_with("-")) throw cli::UsageError("flag provided but not defined: " + a);
    else o.positional.push_back(a);
  }
  return o;
}

// The admin's kubeconfig when one is given, else the server's own admin certificate.
std::unique_ptr<client::Client> connect(const Options& o) {
  if (!o.kubeconfig.empty()) {
    client::LoadingRules rules;
    rules.explicit_path = o.kubeconfig;
    client::ConfigOverrides overrides;
    overrides.server = o.server;
    return std::make_unique<client::Client>(client::build_config(rules, overrides));
  }
  const std::string tls = o.data_dir + "/server/tls";
  if (!fs::exists(tls + "/client-admin.crt"))
    throw std::runtime_error("no admin credentials under " + tls + " (is this a server node? pass --kubeconfig)");
  return std::make_unique<client::Client>(client::config_from_certificates(
      o.server.empty() ? "https://127.0.0.1:6443" : o.server, tls + "/server-ca.crt", tls + "/client-admin.crt",
      tls + "/client-admin.key"));
}

std::string full_token(const Options& o, const std::string& bootstrap_token) {
  const std::string ca = o.data_dir + "/server/tls/server-ca.crt";
  if (!fs::exists(ca)) return bootstrap_token;  // printed bare when the CA is not on this node
  return "K10" + pki::sha256_file_hex(ca) + "::" + bootstrap_token;
}

int create(const Options& o) {
  std::string token;
  if (o.positional.size() > 1) throw cli::UsageError("too many arguments");
  if (!o.positional.empty()) {
    token = o.positional[0];
    if (!std::regex_match(token, kTokenPattern))
      throw cli::UsageError("token [" + token + "] was not of form [a-z0-9]{6}.[a-z0-9]{16}");
  } else {
    token = random_chars(6) + "." + random_chars(16);
  }
  const std::string id = token.substr(0, 6), secret = token.substr(7);
  client::Json data = {{"token-id", id}, {"token-secret", secret}};
  if (!o.description.empty()) data["description"] = o.description;
  if (o.ttl.count() > 0)
    data["expiration"] = object::format_time(object::now() + std::chrono::duration_cast<std::chrono::microseconds>(o.ttl));
  for (const auto& usage : o.usages) data["usage-bootstrap-" + usage] = "true";
  std::string groups;
  for (const auto& g : o.groups) groups += (groups.empty() ? "" : ",") + g;
  if (!groups.empty()) data["auth-extra-groups"] = groups;
  client::Json secret_object = {{"apiVersion", "v1"},
                                {"kind", "Secret"},
                                {"metadata", {{"name", "bootstrap-token-" + id}, {"namespace", "kube-system"}}},
                                {"type", "bootstrap.kubernetes.io/token"},
                                {"stringData", data}};
  auto api = connect(o);
  try {
    api->create(client::resources::kSecrets, secret_object);
  } catch (const client::ApiError& e) {
    if (e.is_already_exists()) throw std::runtime_error("a token with id \"" + id + "\" already exists");
    throw;
  }
  std::cout << full_token(o, token) << "\n";
  return 0;
}

std::string decoded(const client::Json& secret, const std::string& key) {
  if (!secret.contains("data") || !secret["data"].contains(key)) return {};
  return client::base64_decode(secret["data"][key].get<std::string>());
}

int list(const Options& o) {
  auto api = connect(o);
  client::ListOptions options;
  options.field_selector = "type=bootstrap.kubernetes.io/token";
  const auto secrets = api->list(client::resources::kSecrets, "kube-system", options);
  const auto now = object::now();
  std::ostringstream out;
  out << std::left << std::setw(26) << "TOKEN" << std::setw(12) << "TTL" << std::setw(23) << "EXPIRES" << std::setw(25)
      << "USAGES" << std::setw(14) << "DESCRIPTION" << "EXTRA GROUPS\n";
  for (const auto& s : secrets.value("items", client::Json::array())) {
    const std::string id = decoded(s, "token-id"), secret = decoded(s, "token-secret");
    if (id.empty() || secret.empty()) continue;
    std::string ttl = "<forever>", expires = "<never>";
    const std::string expiration = decoded(s, "expiration");
    if (!expiration.empty()) {
      expires = expiration;
      if (auto t = object::parse_time(expiration)) {
        const auto left = std::chrono::duration_cast<std::chrono::hours>(*t - now).count();
        ttl = *t <= now ? "<invalid>" : std::to_string(left) + "h";
      }
    }
    std::string usages;
    const client::Json data = s.value("data", client::Json::object());  // items() must not outlive it
    for (const auto& [key, value] : data.items()) {
      if (key.starts_with("usage-bootstrap-") && client::base64_decode(value.get<std::string>()) == "true")
        usages += (usages.empty() ? "" : ",") + key.substr(16);
    }
    std::string description = decoded(s, "description");
    std::string groups = decoded(s, "auth-extra-groups");
    out << std::left << std::setw(26) << (id + "." + secret) << std::setw(12) << ttl << std::setw(23) << expires
        << std::setw(25) << (usages.empty() ? "<none>" : usages) << std::setw(14)
        << (description.empty() ? "<none>" : description) << (groups.empty() ? "<none>" : groups) << "\n";
  }
  std::cout << out.str();
  return 0;
}

int remove(const Options& o) {
  if (o.positional.empty()) throw cli::UsageError("missing subcommand; 'token delete' is missing token");
  auto api = connect(o);
  for (const auto& given : o.positional) {
    // Accepts the id, id.secret, or the full K10 form.
    std::string token = given.substr(given.rfind("::") == std::string::npos ? 0 : given.rfind("::") + 2);
    const std::string id = token.substr(0, token.find('.'));
    if (!std::regex_match(id, std::regex("^[a-z0-9]{6}$")))
      throw cli::UsageError("given token didn't match pattern [a-z0-9]{6} or [a-z0-9]{6}.[a-z0-9]{16}");
    try {
      api->remove(client::resources::kSecrets, "kube-system", "bootstrap-token-" + id);
    } catch (const client::ApiError& e) {
      if (e.is_not_found()) throw std::runtime_error("bootstrap token \"" + id + "\" not found");
      throw;
    }
    std::cout << "bootstrap token \"" << id << "\" deleted\n";
  }
  return 0;
}

// The server token is replaced by the server itself (it re-seals the bootstrap data the old
// one sealed), so this runs against a live server, authenticated with the old token.
int rotate(const Options& o) {
  if (!o.positional.empty()) throw cli::UsageError("too many arguments");
  std::string new_token = o.new_token;
  const bool generated = new_token.empty();
  if (generated) new_token = random_chars(32);
  SupervisorTarget target{o.data_dir, o.server, o.kubeconfig, o.token};
  put_as_server(target, "/v1-k3s/token", client::Json{{"token", new_token}}.dump());
  std::cout << "WARNING: Recommended to keep a record of the old token. If restoring from a snapshot, you must use "
               "the token associated with that snapshot.\n";
  if (generated) std::cout << "New token: " << new_token << "\n";
  std::cout << "Token rotated, restart k3s nodes with new token\n";
  return 0;
}

}  // namespace

int run_token(const std::vector<std::string>& args, const std::string& data_dir) {
  const std::string usage =
      "NAME:\n   k3s token - Manage bootstrap tokens\n\nUSAGE:\n   k3s token command [command options] [arguments...]\n\n"
      "COMMANDS:\n   create    Create bootstrap tokens on the server\n"
      "   delete    Delete bootstrap tokens on the server\n"
      "   generate  Generate and print a bootstrap token, but do not create it on the server\n"
      "   list      List bootstrap tokens on the server\n"
      "   rotate    Rotate original server token with a new server token\n\n"
      "OPTIONS:\n   --data-dir value, -d value  (data) Folder to hold state\n"
      "   --kubeconfig value          (cluster) Server to connect to [$KUBECONFIG]\n"
      "   --server value              (cluster) Server to connect to (default: \"https://127.0.0.1:6443\") [$K3S_URL]\n"
      "   --token value, -t value     (rotate) Existing token used to join a server or agent to a cluster [$K3S_TOKEN]\n"
      "   --new-token value           (rotate) New token that replaces existing token\n"
      "   --description value         A human friendly description of how this token is used\n"
      "   --groups value              Extra groups that this token will authenticate as when used for "
      "authentication (default: \"system:bootstrappers:k3s:default-node-token\")\n"
      "   --ttl value                 The duration before the token is automatically deleted (e.g. 1s, 2m, 3h). "
      "If set to '0', the token will never expire (default: 24h0m0s)\n"
      "   --usages value              Describes the ways in which this token can be used. (default: "
      "\"signing,authentication\")\n";
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << usage;
    return 0;
  }
  const Options o = parse(args, data_dir);
  if (args[0] == "create") return create(o);
  if (args[0] == "list") return list(o);
  if (args[0] == "delete") return remove(o);
  if (args[0] == "rotate") return rotate(o);
  if (args[0] == "generate") {
    std::cout << random_chars(6) << "." << random_chars(16) << "\n";
    return 0;
  }
  throw cli::UsageError("No help topic for '" + args[0] + "'");
}

}  // namespace k3s::ops
