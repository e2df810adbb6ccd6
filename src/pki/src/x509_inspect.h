// Internal readers over parsed certificates.
#pragma once

#include <vector>

#include "openssl_handles.h"

namespace k3s::pki::detail {

CertInfo describe_cert(X509* cert);
std::vector<X509Ptr> parse_cert_bundle(const std::string& pem, const std::string& origin);
bool verify_chain(const std::vector<X509Ptr>& authorities, X509* cert, std::string* error);

}  // namespace k3s::pki::detail
