// The admin kubeconfig (/etc/rancher/k3s/k3s.yaml by default), with embedded credentials.
#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "bootstrap.h"
#include "util/base64.h"

namespace k3s::server {
namespace {


unsigned parse_octal_mode(const std::string& mode) {
  const std::string text = mode.empty() ? "0600" : mode;
  if (text.size() > 5 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '7'; }))
    throw std::runtime_error("invalid --write-kubeconfig-mode '" + mode + "': expected an octal mode such as 0600");
  const unsigned value = static_cast<unsigned>(std::stoul(text, nullptr, 8));
  if (value > 07777) throw std::runtime_error("invalid --write-kubeconfig-mode '" + mode + "': out of range");
  return value;
}

// One named entry of a kubeconfig list ("clusters", "contexts", "users").
void emit_named(YAML::Emitter& out, const char* kind, const std::vector<std::pair<std::string, std::string>>& fields) {
  out << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << kind << YAML::Value << YAML::BeginMap;
  for (const auto& [key, value] : fields) out << YAML::Key << key << YAML::Value << value;
  out << YAML::EndMap;
  out << YAML::Key << "name" << YAML::Value << "default";
  out << YAML::EndMap << YAML::EndSeq;
}

}  // namespace

void write_admin_kubeconfig(const std::string& path, const std::string& mode, int port, const ServerCerts& certs) {
  if (path.empty()) throw std::runtime_error("kubeconfig path is empty");
  if (port <= 0 || port > 65535) throw std::runtime_error("invalid API port " + std::to_string(port));
  const unsigned file_mode = parse_octal_mode(mode);

  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "clusters" << YAML::Value;
  emit_named(out, "cluster",
             {{"certificate-authority-data", util::base64_encode(pki::read_file(certs.server_ca.cert_file))},
              {"server", "https://127.0.0.1:" + std::to_string(port)}});
  out << YAML::Key << "contexts" << YAML::Value;
  emit_named(out, "context", {{"cluster", "default"}, {"user", "default"}});
  out << YAML::Key << "current-context" << YAML::Value << "default";
  out << YAML::Key << "kind" << YAML::Value << "Config";
  out << YAML::Key << "preferences" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::EndMap;
  out << YAML::Key << "users" << YAML::Value;
  emit_named(out, "user",
             {{"client-certificate-data", util::base64_encode(pki::read_file(certs.admin_cert))},
              {"client-key-data", util::base64_encode(pki::read_file(certs.admin_key))}});
  out << YAML::EndMap;
  if (!out.good()) throw std::runtime_error("cannot render kubeconfig: " + out.GetLastError());

  pki::write_file_atomic(path, std::string(out.c_str()) + "\n", file_mode);
}

}  // namespace k3s::server
