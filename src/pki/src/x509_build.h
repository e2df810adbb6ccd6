// Assembles and signs X.509 v3 certificates from a CertRequest.
#pragma once

#include "openssl_handles.h"

namespace k3s::pki::detail {

enum class CertKind { kAuthority, kLeaf };

// Signs a certificate for `subject_key`. With `issuer == nullptr` the certificate is
// self-signed (issuer name = subject name) and `signing_key` must be `subject_key`'s pair.
X509Ptr build_cert(const CertRequest& request, CertKind kind, EVP_PKEY* subject_key, X509* issuer,
                   EVP_PKEY* signing_key);

// Canonical text of an IP SAN ("10.0.0.1", "::1"), or empty when `text` is no IP address.
std::string canonical_ip(const std::string& text);

}  // namespace k3s::pki::detail
