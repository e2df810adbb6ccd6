// What the CSR controllers need to know about a CertificateSigningRequest: the PKCS#10
// request's subject, and kube's per-signer rules on subject and usages.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace k3s::controllers::batch {

struct CsrSubject {
  std::string common_name;
  std::vector<std::string> organizations;
  std::vector<std::string> dns_names, ip_addresses;
};

// Parses spec.request (base64 of a PEM "CERTIFICATE REQUEST"); throws std::invalid_argument
// when it is not one or its signature does not verify.
CsrSubject parse_csr_request(const std::string& base64_pem);

// A kubelet client certificate request as the node authorizer expects it: CN
// "system:node:<name>", O exactly "system:nodes", usages client auth + digital signature
// (key encipherment allowed). Returns why not, or "" when it is one.
std::string kubelet_client_problem(const CsrSubject& subject, const nlohmann::json& usages);
// A kubelet serving certificate request: same subject, server auth usage, at least one
// DNS or IP name.
std::string kubelet_serving_problem(const CsrSubject& subject, const nlohmann::json& usages);
// A kube-apiserver client certificate: client auth usage, no server usages.
std::string apiserver_client_problem(const CsrSubject& subject, const nlohmann::json& usages);

}  // namespace k3s::controllers::batch
