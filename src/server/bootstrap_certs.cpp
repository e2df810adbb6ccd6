// The server's CAs and certificates under <data-dir>/server/tls, with k3s's file names.
#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include <spdlog/spdlog.h>

#include "bootstrap.h"
#include "serving_sans.h"

namespace k3s::server {
namespace {

constexpr int kLeafValidDays = 365;

pki::CertRequest client_request(const std::string& common_name, std::vector<std::string> organizations = {}) {
  pki::CertRequest request;
  request.common_name = common_name;
  request.organizations = std::move(organizations);
  request.client_auth = true;
  request.valid_days = kLeafValidDays;
  return request;
}

void make_private_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw pki::PkiError(dir + ": cannot create directory: " + ec.message());
  // Keys inside are 0600 already; the directory is closed too, as k3s does.
  if (::chmod(dir.c_str(), 0700) != 0) throw pki::PkiError(dir + ": cannot set mode 0700");
}

}  // namespace

ServerCerts ensure_server_certs(const cli::ServerConfig& config, const std::string& tls_dir) {
  make_private_dir(tls_dir);
  const auto path = [&](const std::string& name) { return (std::filesystem::path(tls_dir) / name).string(); };

  ServerCerts certs;
  certs.tls_dir = tls_dir;
  certs.server_ca = pki::ensure_ca(path("server-ca.crt"), path("server-ca.key"), "k3s-server-ca");
  certs.client_ca = pki::ensure_ca(path("client-ca.crt"), path("client-ca.key"), "k3s-client-ca");
  certs.request_header_ca =
      pki::ensure_ca(path("request-header-ca.crt"), path("request-header-ca.key"), "k3s-request-header-ca");

  ServingSans sans = serving_sans(config);
  pki::CertRequest serving;
  serving.common_name = "kube-apiserver";
  serving.dns_sans = sans.dns;
  serving.ip_sans = sans.ips;
  serving.server_auth = true;
  serving.valid_days = kLeafValidDays;
  certs.serving_cert = path("serving-kube-apiserver.crt");
  certs.serving_key = path("serving-kube-apiserver.key");
  pki::ensure_cert(certs.server_ca, serving, certs.serving_cert, certs.serving_key);

  struct ClientCert {
    const char* file_stem;
    pki::CertRequest request;
    const pki::CertificateAuthority* ca;
    std::string* cert;
    std::string* key;
  };
  const ClientCert clients[] = {
      {"client-admin", client_request("system:admin", {"system:masters"}), &certs.client_ca, &certs.admin_cert,
       &certs.admin_key},
      {"client-supervisor", client_request("system:k3s-supervisor", {"system:masters"}), &certs.client_ca,
       &certs.supervisor_cert, &certs.supervisor_key},
      {"client-controller", client_request("system:kube-controller-manager"), &certs.client_ca,
       &certs.controller_cert, &certs.controller_key},
      {"client-scheduler", client_request("system:kube-scheduler"), &certs.client_ca, &certs.scheduler_cert,
       &certs.scheduler_key},
      {"client-kube-proxy", client_request("system:kube-proxy"), &certs.client_ca, &certs.kube_proxy_cert,
       &certs.kube_proxy_key},
      {"client-kube-apiserver", client_request("system:kube-apiserver", {"system:masters"}), &certs.client_ca,
       &certs.apiserver_client_cert, &certs.apiserver_client_key},
      {"client-auth-proxy", client_request("system:auth-proxy"), &certs.request_header_ca, &certs.auth_proxy_cert,
       &certs.auth_proxy_key},
  };
  for (const ClientCert& client : clients) {
    *client.cert = path(std::string(client.file_stem) + ".crt");
    *client.key = path(std::string(client.file_stem) + ".key");
    pki::ensure_cert(*client.ca, client.request, *client.cert, *client.key);
  }

  certs.service_account_key = path("service.key");
  pki::ensure_rsa_key(certs.service_account_key);
  spdlog::debug("server certificates ready in {}", tls_dir);
  return certs;
}

}  // namespace k3s::server
