// Node credentials issued from the server's CAs: the kubelet's client certificate (it
// authenticates as system:node:<name>) and serving certificate (the API server verifies
// :10250 against the server CA), written in k3s's layout under <data-dir>/agent/.
#include <arpa/inet.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "bootstrap.h"
#include "client/kubeconfig.h"

namespace k3s::server {
namespace {

constexpr int kNodeCertValidDays = 365;

bool is_ip_address(const std::string& text) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 || inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

pki::CertRequest kubelet_client_request(const std::string& node_name) {
  pki::CertRequest request;
  request.common_name = "system:node:" + node_name;
  request.organizations = {"system:nodes"};
  request.client_auth = true;
  request.valid_days = kNodeCertValidDays;
  return request;
}

pki::CertRequest kubelet_serving_request(const std::string& node_name, const std::vector<std::string>& names) {
  pki::CertRequest request;
  request.common_name = node_name;
  request.server_auth = true;
  request.valid_days = kNodeCertValidDays;
  request.dns_sans = {node_name, "localhost"};
  request.ip_sans = {"127.0.0.1"};
  for (const auto& name : names) {
    if (name.empty()) continue;
    auto& list = is_ip_address(name) ? request.ip_sans : request.dns_sans;
    if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
  }
  return request;
}

}  // namespace

NodeCertPaths node_cert_paths(const std::string& agent_dir) {
  NodeCertPaths paths;
  paths.agent_dir = agent_dir;
  paths.client_cert = agent_dir + "/client-kubelet.crt";
  paths.client_key = agent_dir + "/client-kubelet.key";
  paths.serving_cert = agent_dir + "/serving-kubelet.crt";
  paths.serving_key = agent_dir + "/serving-kubelet.key";
  paths.client_ca = agent_dir + "/client-ca.crt";
  paths.server_ca = agent_dir + "/server-ca.crt";
  paths.kubeconfig = agent_dir + "/kubelet.kubeconfig";
  return paths;
}

pki::IssuedCert issue_kubelet_client_cert(const ServerCerts& certs, const std::string& node_name) {
  if (node_name.empty()) throw pki::PkiError("node name is empty");
  return pki::issue_cert(certs.client_ca, kubelet_client_request(node_name));
}

pki::IssuedCert issue_kubelet_serving_cert(const ServerCerts& certs, const std::string& node_name,
                                           const std::vector<std::string>& ips_and_hostnames) {
  if (node_name.empty()) throw pki::PkiError("node name is empty");
  return pki::issue_cert(certs.server_ca, kubelet_serving_request(node_name, ips_and_hostnames));
}

NodeCertPaths write_node_credentials(const ServerCerts& certs, const std::string& agent_dir,
                                     const std::string& node_name,
                                     const std::vector<std::string>& ips_and_hostnames,
                                     const std::string& api_server_url) {
  if (node_name.empty()) throw pki::PkiError("node name is empty");
  std::filesystem::create_directories(agent_dir);
  NodeCertPaths paths = node_cert_paths(agent_dir);
  // ensure_cert reuses a still-valid certificate with the same SANs; a certificate for another
  // node name must not be reused, so check the subject first.
  const auto stale_subject = [](const std::string& cert_file, const std::string& common_name) {
    std::error_code ec;
    if (!std::filesystem::exists(cert_file, ec)) return false;
    try {
      return pki::describe_cert_pem(pki::read_file(cert_file)).subject.common_name != common_name;
    } catch (const std::exception&) {
      return true;
    }
  };
  if (stale_subject(paths.client_cert, "system:node:" + node_name)) std::filesystem::remove(paths.client_cert);
  if (stale_subject(paths.serving_cert, node_name)) std::filesystem::remove(paths.serving_cert);
  pki::ensure_cert(certs.client_ca, kubelet_client_request(node_name), paths.client_cert, paths.client_key);
  pki::ensure_cert(certs.server_ca, kubelet_serving_request(node_name, ips_and_hostnames), paths.serving_cert,
                   paths.serving_key);
  pki::write_file_atomic(paths.client_ca, pki::read_file(certs.client_ca.cert_file), 0644);
  pki::write_file_atomic(paths.server_ca, pki::read_file(certs.server_ca.cert_file), 0644);
  pki::write_file_atomic(paths.kubeconfig, client::kubeconfig_referencing_files(api_server_url, paths.server_ca, paths.client_cert, paths.client_key), 0600);
  return paths;
}

}  // namespace k3s::server
