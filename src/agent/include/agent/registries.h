// /etc/rancher/k3s/registries.yaml (k3s's --private-registry file):
//   mirrors:
//     docker.io:
//       endpoint: ["https://mirror.example:5000"]
//       rewrite: {"^rancher/(.*)": "mirrorproject/rancher-images/$1"}
//   configs:
//     "mirror.example:5000":
//       auth: {username: u, password: p}          # or auth: <base64>, identity_token
//       tls: {cert_file: ..., key_file: ..., ca_file: ..., insecure_skip_verify: false}
#pragma once

#include <map>
#include <string>
#include <vector>

namespace k3s::agent {

struct RegistryMirror {
  std::vector<std::string> endpoints;
  std::vector<std::pair<std::string, std::string>> rewrites;  // regex -> replacement, in file order
};

struct RegistryAuth {
  std::string username;
  std::string password;
  std::string auth;  // base64 "user:password"
  std::string identity_token;
  bool empty() const { return username.empty() && password.empty() && auth.empty() && identity_token.empty(); }
};

struct RegistryTLS {
  std::string cert_file;
  std::string key_file;
  std::string ca_file;
  bool insecure_skip_verify = false;
  bool empty() const { return cert_file.empty() && key_file.empty() && ca_file.empty() && !insecure_skip_verify; }
};

struct RegistryConfig {
  RegistryAuth auth;
  RegistryTLS tls;
};

struct Registries {
  std::map<std::string, RegistryMirror> mirrors;   // keyed by registry host ("docker.io", "*")
  std::map<std::string, RegistryConfig> configs;   // keyed by registry host[:port]
  bool empty() const { return mirrors.empty() && configs.empty(); }
};

// The repository prefix a mirror's rewrite adds when its only rule puts a fixed prefix before
// every repository ("^(.*)$" -> "team/images/$1" gives "team/images"); "" for anything else.
// Stock containerd applies such a rewrite as the endpoint's path (override_path); other
// rewrites only k3s's containerd build applies.
std::string rewrite_path_prefix(const RegistryMirror& mirror);

// A missing file yields no registries; unreadable or malformed YAML throws std::runtime_error
// naming the file and the offending key.
Registries load_registries(const std::string& path);
Registries parse_registries(const std::string& yaml_text, const std::string& source_name);

}  // namespace k3s::agent
