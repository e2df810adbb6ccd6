#include "client/kubeconfig.h"
#include "util/base64.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace k3s::client {
namespace {

namespace fs = std::filesystem;

std::string read_whole_file(const std::string& path, const std::string& what_for) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw ConfigError(ConfigErrorKind::load, what_for + ": read " + path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    std::string reason = err == ENOENT ? "no such file or directory" : std::strerror(err);
    if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
    throw ConfigError(ConfigErrorKind::load, what_for + ": open " + path + ": " + reason);
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string scalar(const YAML::Node& map, const char* key) {
  if (!map || !map.IsMap()) return {};
  auto node = map[key];
  if (!node || !node.IsScalar()) return {};
  return node.Scalar();
}

bool boolean(const YAML::Node& map, const char* key) {
  auto text = scalar(map, key);
  return text == "true" || text == "True" || text == "TRUE";
}

std::string decoded(const YAML::Node& map, const char* key, const std::string& origin) {
  auto text = scalar(map, key);
  if (text.empty()) return {};
  try {
    return base64_decode(text);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(ConfigErrorKind::load, "error loading config file \"" + origin + "\": " + e.what());
  }
}

// Entries of a named list ("clusters", "users", "contexts"): name -> inner map.
template <typename Fn>
void for_each_named(const YAML::Node& root, const char* list, const char* inner, Fn&& fn) {
  auto seq = root[list];
  if (!seq || seq.IsNull()) return;
  if (!seq.IsSequence()) return;
  for (const auto& entry : seq) {
    if (!entry.IsMap()) continue;
    std::string name = scalar(entry, "name");
    if (name.empty()) continue;
    fn(name, entry[inner]);
  }
}

std::string resolve_path(const std::string& path, const std::string& origin) {
  if (path.empty() || fs::path(path).is_absolute() || origin.empty()) return path;
  return (fs::path(origin).parent_path() / path).lexically_normal().string();
}

std::string home_directory() {
  if (const char* home = std::getenv("HOME"); home && *home) return home;
  if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir) return pw->pw_dir;
  return "/";
}

bool file_exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

nlohmann::json omit(const std::string& value, bool raw, const char* placeholder) {
  return raw ? nlohmann::json(value) : nlohmann::json(placeholder);
}

}  // namespace

// ---- base64 ------------------------------------------------------------------------------

std::string base64_decode(const std::string& text) { return util::base64_decode(text); }

std::string base64_encode(const std::string& data) { return util::base64_encode(data); }

// ---- Kubeconfig --------------------------------------------------------------------------

Kubeconfig Kubeconfig::parse(const std::string& text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(ConfigErrorKind::load, "error loading config file \"" + origin + "\": yaml: line " +
                                                 std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  Kubeconfig config;
  if (!root || root.IsNull()) return config;
  if (!root.IsMap())
    throw ConfigError(ConfigErrorKind::load,
                      "error loading config file \"" + origin + "\": the document is not a kubeconfig mapping");

  for_each_named(root, "clusters", "cluster", [&](const std::string& name, const YAML::Node& c) {
    KubeconfigCluster cluster;
    cluster.server = scalar(c, "server");
    cluster.certificate_authority = scalar(c, "certificate-authority");
    cluster.certificate_authority_data = decoded(c, "certificate-authority-data", origin);
    cluster.insecure_skip_tls_verify = boolean(c, "insecure-skip-tls-verify");
    cluster.tls_server_name = scalar(c, "tls-server-name");
    cluster.proxy_url = scalar(c, "proxy-url");
    cluster.origin = origin;
    config.clusters.try_emplace(name, std::move(cluster));
  });
  for_each_named(root, "users", "user", [&](const std::string& name, const YAML::Node& u) {
    KubeconfigUser user;
    user.client_certificate = scalar(u, "client-certificate");
    user.client_certificate_data = decoded(u, "client-certificate-data", origin);
    user.client_key = scalar(u, "client-key");
    user.client_key_data = decoded(u, "client-key-data", origin);
    user.token = scalar(u, "token");
    user.token_file = scalar(u, "tokenFile");
    user.username = scalar(u, "username");
    user.password = scalar(u, "password");
    user.as = scalar(u, "as");
    user.as_uid = scalar(u, "as-uid");
    if (u["as-groups"] && u["as-groups"].IsSequence())
      for (const auto& g : u["as-groups"]) user.as_groups.push_back(g.as<std::string>());
    if (u["as-user-extra"] && u["as-user-extra"].IsMap())
      for (const auto& e : u["as-user-extra"])
        if (e.second.IsSequence())
          for (const auto& v : e.second) user.as_user_extra[e.first.as<std::string>()].push_back(v.as<std::string>());
    user.origin = origin;
    config.users.try_emplace(name, std::move(user));
  });
  for_each_named(root, "contexts", "context", [&](const std::string& name, const YAML::Node& c) {
    KubeconfigContext context;
    context.cluster = scalar(c, "cluster");
    context.user = scalar(c, "user");
    context.namespace_ = scalar(c, "namespace");
    context.origin = origin;
    config.contexts.try_emplace(name, std::move(context));
  });
  config.current_context = scalar(root, "current-context");
  return config;
}

Kubeconfig Kubeconfig::load_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw ConfigError(ConfigErrorKind::load, "stat " + path + ": no such file or directory");
  std::string text = read_whole_file(path, "error loading config file \"" + path + "\"");
  return parse(text, path);
}

Kubeconfig Kubeconfig::load_merged(const std::vector<std::string>& paths) {
  Kubeconfig merged;
  std::vector<std::string> seen;
  for (const auto& path : paths) {
    if (path.empty() || !file_exists(path)) continue;
    if (std::find(seen.begin(), seen.end(), path) != seen.end()) continue;
    seen.push_back(path);
    merged.merge_from(load_file(path));
  }
  return merged;
}

void Kubeconfig::merge_from(const Kubeconfig& other) {
  for (const auto& [name, value] : other.clusters) clusters.try_emplace(name, value);
  for (const auto& [name, value] : other.users) users.try_emplace(name, value);
  for (const auto& [name, value] : other.contexts) contexts.try_emplace(name, value);
  if (current_context.empty()) current_context = other.current_context;
}

nlohmann::json Kubeconfig::to_json(bool raw) const {
  using nlohmann::json;
  json doc = json::object();
  doc["apiVersion"] = "v1";
  doc["kind"] = "Config";
  doc["preferences"] = json::object();
  doc["clusters"] = json::array();
  for (const auto& [name, c] : clusters) {
    json cluster = json::object();
    if (!c.server.empty()) cluster["server"] = c.server;
    if (!c.certificate_authority.empty()) cluster["certificate-authority"] = c.certificate_authority;
    if (!c.certificate_authority_data.empty())
      cluster["certificate-authority-data"] = omit(base64_encode(c.certificate_authority_data), raw, "DATA+OMITTED");
    if (c.insecure_skip_tls_verify) cluster["insecure-skip-tls-verify"] = true;
    if (!c.tls_server_name.empty()) cluster["tls-server-name"] = c.tls_server_name;
    if (!c.proxy_url.empty()) cluster["proxy-url"] = c.proxy_url;
    doc["clusters"].push_back({{"name", name}, {"cluster", cluster}});
  }
  doc["contexts"] = json::array();
  for (const auto& [name, c] : contexts) {
    json context = json::object();
    if (!c.cluster.empty()) context["cluster"] = c.cluster;
    if (!c.user.empty()) context["user"] = c.user;
    if (!c.namespace_.empty()) context["namespace"] = c.namespace_;
    doc["contexts"].push_back({{"name", name}, {"context", context}});
  }
  doc["current-context"] = current_context;
  doc["users"] = json::array();
  for (const auto& [name, u] : users) {
    json user = json::object();
    if (!u.client_certificate.empty()) user["client-certificate"] = u.client_certificate;
    if (!u.client_certificate_data.empty())
      user["client-certificate-data"] = omit(base64_encode(u.client_certificate_data), raw, "DATA+OMITTED");
    if (!u.client_key.empty()) user["client-key"] = u.client_key;
    if (!u.client_key_data.empty()) user["client-key-data"] = omit(base64_encode(u.client_key_data), raw, "DATA+OMITTED");
    if (!u.token.empty()) user["token"] = omit(u.token, raw, "REDACTED");
    if (!u.token_file.empty()) user["tokenFile"] = u.token_file;
    if (!u.username.empty()) user["username"] = u.username;
    if (!u.password.empty()) user["password"] = omit(u.password, raw, "REDACTED");
    if (!u.as.empty()) user["as"] = u.as;
    if (!u.as_uid.empty()) user["as-uid"] = u.as_uid;
    if (!u.as_groups.empty()) user["as-groups"] = u.as_groups;
    if (!u.as_user_extra.empty()) user["as-user-extra"] = u.as_user_extra;
    doc["users"].push_back({{"name", name}, {"user", user}});
  }
  return doc;
}

std::string kubeconfig_referencing_files(const std::string& server, const std::string& ca_file,
                                         const std::string& cert_file, const std::string& key_file) {
  return "apiVersion: v1\n"
         "clusters:\n"
         "- cluster:\n"
         "    certificate-authority: " + ca_file + "\n"
         "    server: " + server + "\n"
         "  name: local\n"
         "contexts:\n"
         "- context:\n"
         "    cluster: local\n"
         "    namespace: default\n"
         "    user: user\n"
         "  name: Default\n"
         "current-context: Default\n"
         "kind: Config\n"
         "preferences: {}\n"
         "users:\n"
         "- name: user\n"
         "  user:\n"
         "    client-certificate: " + cert_file + "\n"
         "    client-key: " + key_file + "\n";
}

// ---- loading rules ----------------------------------------------------------------------

LoadingRules LoadingRules::from_environment(const std::string& fallback_path) {
  LoadingRules rules;
  const char* env = std::getenv("KUBECONFIG");
  if (env && *env) {
    std::string list = env;
    std::size_t start = 0;
    while (start <= list.size()) {
      auto colon = list.find(':', start);
      std::string item = list.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (!item.empty()) rules.precedence.push_back(item);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  } else if (!fallback_path.empty()) {
    rules.precedence.push_back(fallback_path);
  } else {
    rules.precedence.push_back(home_directory() + "/.kube/config");
  }
  return rules;
}

Kubeconfig LoadingRules::load() const {
  if (!explicit_path.empty()) return Kubeconfig::load_file(explicit_path);
  return Kubeconfig::load_merged(precedence);
}

// ---- resolution ---------------------------------------------------------------------------

RestConfig build_config(const LoadingRules& rules, const ConfigOverrides& overrides) {
  return build_config(rules.load(), overrides, rules.default_server);
}

RestConfig build_config(const Kubeconfig& config, const ConfigOverrides& overrides,
                        const std::string& default_server) {
  RestConfig out;
  out.context_name = overrides.context.empty() ? config.current_context : overrides.context;

  KubeconfigContext context;
  if (!out.context_name.empty()) {
    auto found = config.contexts.find(out.context_name);
    if (found == config.contexts.end())
      throw ConfigError(ConfigErrorKind::context_not_found,
                        "context was not found for specified context: " + out.context_name);
    context = found->second;
  }
  out.cluster_name = overrides.cluster.empty() ? context.cluster : overrides.cluster;
  out.user_name = overrides.user.empty() ? context.user : overrides.user;

  KubeconfigCluster cluster;
  if (!out.cluster_name.empty()) {
    auto found = config.clusters.find(out.cluster_name);
    if (found != config.clusters.end())
      cluster = found->second;
    else if (!overrides.cluster.empty() && overrides.server.empty())
      throw ConfigError(ConfigErrorKind::cluster_not_found, "no server found for cluster \"" + out.cluster_name + "\"");
  }
  KubeconfigUser user;
  if (!out.user_name.empty()) {
    auto found = config.users.find(out.user_name);
    if (found != config.users.end())
      user = found->second;
    else if (!overrides.user.empty())
      throw ConfigError(ConfigErrorKind::user_not_found, "auth info \"" + out.user_name + "\" does not exist");
  }

  // Cluster: server and trust.
  out.server = !overrides.server.empty() ? overrides.server : cluster.server;
  if (out.server.empty()) {
    if (default_server.empty())
      throw ConfigError(ConfigErrorKind::empty,
                        "invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER "
                        "environment variable");
    out.server = default_server;
  }
  if (out.server.find("://") == std::string::npos) out.server = "https://" + out.server;
  out.insecure_skip_tls_verify = overrides.insecure_skip_tls_verify.value_or(cluster.insecure_skip_tls_verify);
  if (!overrides.certificate_authority.empty()) {
    out.ca_file = overrides.certificate_authority;
  } else if (!out.insecure_skip_tls_verify) {
    out.ca_file = resolve_path(cluster.certificate_authority, cluster.origin);
    if (out.ca_file.empty()) out.ca_pem = cluster.certificate_authority_data;
  }
  if (out.insecure_skip_tls_verify && !out.ca_file.empty())
    throw ConfigError(ConfigErrorKind::invalid,
                      "specifying a root certificates file with the insecure flag is not allowed");
  out.tls_server_name = !overrides.tls_server_name.empty() ? overrides.tls_server_name : cluster.tls_server_name;

  // User: credentials.
  if (!overrides.client_certificate.empty()) {
    out.cert_file = overrides.client_certificate;
  } else if (!user.client_certificate_data.empty()) {
    out.cert_pem = user.client_certificate_data;
  } else {
    out.cert_file = resolve_path(user.client_certificate, user.origin);
  }
  if (!overrides.client_key.empty()) {
    out.key_file = overrides.client_key;
  } else if (!user.client_key_data.empty()) {
    out.key_pem = user.client_key_data;
  } else {
    out.key_file = resolve_path(user.client_key, user.origin);
  }
  if (!out.cert_pem.empty() && out.key_pem.empty() && !out.key_file.empty()) {
    out.key_pem = read_whole_file(out.key_file, "unable to read client-key " + out.key_file);
    out.key_file.clear();
  }
  if (!out.key_pem.empty() && out.cert_pem.empty() && !out.cert_file.empty()) {
    out.cert_pem = read_whole_file(out.cert_file, "unable to read client-cert " + out.cert_file);
    out.cert_file.clear();
  }
  if (!overrides.token.empty()) {
    out.bearer_token = overrides.token;
  } else {
    out.bearer_token = user.token;
    out.bearer_token_file = resolve_path(user.token_file, user.origin);
  }
  out.username = !overrides.username.empty() ? overrides.username : user.username;
  out.password = !overrides.password.empty() ? overrides.password : user.password;
  out.impersonate_user = !overrides.impersonate_user.empty() ? overrides.impersonate_user : user.as;
  out.impersonate_uid = !overrides.impersonate_uid.empty() ? overrides.impersonate_uid : user.as_uid;
  out.impersonate_groups = !overrides.impersonate_groups.empty() ? overrides.impersonate_groups : user.as_groups;
  out.impersonate_extra = user.as_user_extra;

  if (!overrides.namespace_.empty()) {
    out.namespace_ = overrides.namespace_;
    out.namespace_explicit = true;
  } else if (!context.namespace_.empty()) {
    out.namespace_ = context.namespace_;
    out.namespace_explicit = true;
  }
  if (overrides.request_timeout && overrides.request_timeout->count() > 0) out.timeout = *overrides.request_timeout;
  return out;
}

RestConfig in_cluster_config(const std::string& sa_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port)
    throw ConfigError(ConfigErrorKind::invalid,
                      "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT "
                      "must be defined");
  RestConfig out;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  out.server = "https://" + h + ":" + port;
  const std::string token_file = sa_dir + "/token";
  out.bearer_token = read_whole_file(token_file, "unable to read service account token");
  while (!out.bearer_token.empty() && std::isspace(static_cast<unsigned char>(out.bearer_token.back())))
    out.bearer_token.pop_back();
  out.bearer_token_file = token_file;
  const std::string ca = sa_dir + "/ca.crt";
  if (file_exists(ca)) out.ca_file = ca;
  if (file_exists(sa_dir + "/namespace")) {
    std::string ns = read_whole_file(sa_dir + "/namespace", "unable to read service account namespace");
    while (!ns.empty() && std::isspace(static_cast<unsigned char>(ns.back()))) ns.pop_back();
    if (!ns.empty()) {
      out.namespace_ = ns;
      out.namespace_explicit = true;
    }
  }
  return out;
}

RestConfig config_from_certificates(const std::string& server, const std::string& ca_file,
                                    const std::string& cert_file, const std::string& key_file) {
  RestConfig out;
  out.server = server;
  out.ca_file = ca_file;
  out.cert_file = cert_file;
  out.key_file = key_file;
  return out;
}

}  // namespace k3s::client
