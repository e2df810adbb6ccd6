// Server bootstrap state kept under <data-dir>/server: certificates, tokens, kubeconfig.
// Internal to the server component.
#pragma once

#include <string>
#include <vector>

#include "cli/config.h"
#include "pki/pki.h"

namespace k3s::server {

// Every certificate and key of a server, under <data-dir>/server/tls with k3s's file names.
struct ServerCerts {
  std::string tls_dir;
  pki::CertificateAuthority server_ca;          // server-ca.crt / server-ca.key
  pki::CertificateAuthority client_ca;          // client-ca.crt / client-ca.key
  pki::CertificateAuthority request_header_ca;  // request-header-ca.crt / .key
  std::string serving_cert, serving_key;        // serving-kube-apiserver.crt / .key
  std::string admin_cert, admin_key;            // client-admin.crt / .key (system:admin, system:masters)
  std::string supervisor_cert, supervisor_key;  // client-supervisor.crt / .key (system:k3s-supervisor)
  std::string controller_cert, controller_key;  // client-controller.crt / .key (system:kube-controller-manager)
  std::string scheduler_cert, scheduler_key;    // client-scheduler.crt / .key (system:kube-scheduler)
  std::string kube_proxy_cert, kube_proxy_key;  // client-kube-proxy.crt / .key (system:kube-proxy)
  std::string apiserver_client_cert, apiserver_client_key;  // client-kube-apiserver.crt / .key
                                                // (system:kube-apiserver, system:masters): API server -> kubelet
  std::string auth_proxy_cert, auth_proxy_key;  // client-auth-proxy.crt / .key (system:auth-proxy, by the
                                                // request-header CA): front-proxy identity
  std::string service_account_key;              // service.key (RSA, signs service-account tokens)
};

// Creates what is missing (reusing what exists); SANs as kube-apiserver's serving cert needs:
// 127.0.0.1, ::1, localhost, host name, node/advertise IPs, kubernetes(.default(.svc(.<domain>))),
// the first IP of --service-cidr, every --tls-san.
ServerCerts ensure_server_certs(const cli::ServerConfig& config, const std::string& tls_dir);

struct Tokens {
  std::string server_token;  // K10<ca-hash>::server:<password>, also in <server-dir>/token
  std::string agent_token;   // K10<ca-hash>::node:<password> (or the server token), in node-token / agent-token
  std::string server_password;
  std::string agent_password;
};

// --token/--token-file/K3S_TOKEN, else the stored token, else a new random one. A bare
// password is accepted and written back in full K10 form; a K10 token whose hash does not
// match the CA is an error.
Tokens ensure_tokens(const cli::ServerConfig& config, const std::string& server_dir,
                     const std::string& server_ca_file);

// The server token's password: --token/--token-file/K3S_TOKEN, else the one stored in
// <server_dir>/token by an earlier start, else "". Throws on a malformed token (its CA hash is
// checked later, by ensure_tokens).
std::string server_token_password(const cli::ServerConfig& config, const std::string& server_dir);

// Splits a token in either form; returns false when it is malformed.
struct ParsedToken {
  std::string ca_hash;  // empty for a bare password
  std::string username; // "server", "node" or empty
  std::string password;
};
bool parse_token(const std::string& token, ParsedToken& out);

// kubeconfig for the admin user pointing at https://127.0.0.1:<port>, with embedded PEM data;
// written atomically with the given octal mode (default "0600").
void write_admin_kubeconfig(const std::string& path, const std::string& mode, int port,
                            const ServerCerts& certs);

// ---- node credentials (bootstrap_node_certs.cpp) -----------------------------------------
// Files of a node in k3s's layout under <data-dir>/agent/.
struct NodeCertPaths {
  std::string agent_dir;                  // <data-dir>/agent
  std::string client_cert, client_key;    // client-kubelet.crt / .key
  std::string serving_cert, serving_key;  // serving-kubelet.crt / .key
  std::string client_ca, server_ca;       // client-ca.crt, server-ca.crt (copies of the CA certs)
  std::string kubeconfig;                 // kubelet.kubeconfig
};
NodeCertPaths node_cert_paths(const std::string& agent_dir);

// The kubelet's client certificate: CN system:node:<node_name>, O system:nodes, signed by the
// client CA. In memory, for the supervisor's /v1-k3s/client-kubelet.crt.
pki::IssuedCert issue_kubelet_client_cert(const ServerCerts& certs, const std::string& node_name);
// The kubelet's serving certificate (CN <node_name>, SANs: node name, localhost, 127.0.0.1,
// and every given IP / host name), signed by the server CA.
pki::IssuedCert issue_kubelet_serving_cert(const ServerCerts& certs, const std::string& node_name,
                                           const std::vector<std::string>& ips_and_hostnames);

// For the embedded agent: writes (or reuses when still valid) both kubelet certificates, the CA
// copies and kubelet.kubeconfig (pointing at `api_server_url`) under `agent_dir`.
NodeCertPaths write_node_credentials(const ServerCerts& certs, const std::string& agent_dir,
                                     const std::string& node_name,
                                     const std::vector<std::string>& ips_and_hostnames,
                                     const std::string& api_server_url);

}  // namespace k3s::server
