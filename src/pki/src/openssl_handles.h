// Owning handles for OpenSSL objects and the error text OpenSSL leaves behind.
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "pki/pki.h"

namespace k3s::pki::detail {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

// Drains OpenSSL's error queue into one line, so errors from an earlier failure never leak
// into the next message.
inline std::string openssl_error_text() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    if (!text.empty()) text += "; ";
    text += buf;
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

[[noreturn]] inline void throw_openssl(const std::string& what) {
  throw PkiError(what + ": " + openssl_error_text());
}

// Parsing helpers shared by the builders and the inspectors. Throw PkiError naming `origin`.
X509Ptr parse_cert_pem(const std::string& pem, const std::string& origin);
PkeyPtr parse_key_pem(const std::string& pem, const std::string& origin);
std::string cert_to_pem(X509* cert);
std::string key_to_pem(EVP_PKEY* key);

PkeyPtr generate_ec_p256_key();
PkeyPtr generate_rsa_key(int bits);

}  // namespace k3s::pki::detail
