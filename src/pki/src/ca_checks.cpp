// Checks on CA material handed in by an operator (`k3s certificate rotate-ca`), before the
// cluster is made to depend on it.
#include <openssl/x509_vfy.h>

#include "openssl_handles.h"
#include "pki/pki.h"
#include "x509_inspect.h"

namespace k3s::pki {

void check_ca_key_pair(const std::string& cert_pem, const std::string& key_pem, const std::string& name) {
  std::vector<detail::X509Ptr> bundle = detail::parse_cert_bundle(cert_pem, name + ".crt");
  detail::PkeyPtr key = detail::parse_key_pem(key_pem, name + ".key");
  if (X509_check_private_key(bundle.front().get(), key.get()) != 1) {
    ERR_clear_error();
    throw PkiError(name + ".key does not match the first certificate of " + name + ".crt");
  }
  if (!detail::describe_cert(bundle.front().get()).is_ca)
    throw PkiError(name + ".crt is not a CA certificate (basicConstraints CA:TRUE missing)");
}

bool chains_to(const std::string& roots_pem, const std::string& bundle_pem, std::string* error) {
  std::vector<detail::X509Ptr> roots = detail::parse_cert_bundle(roots_pem, "current CA");
  std::vector<detail::X509Ptr> bundle = detail::parse_cert_bundle(bundle_pem, "new CA");
  detail::X509StorePtr store(X509_STORE_new());
  detail::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  if (!store || !ctx || !untrusted) {
    sk_X509_free(untrusted);
    detail::throw_openssl("cannot allocate certificate store");
  }
  for (const auto& root : roots) X509_STORE_add_cert(store.get(), root.get());
  for (std::size_t i = 1; i < bundle.size(); ++i) sk_X509_push(untrusted, bundle[i].get());
  bool ok = false;
  if (X509_STORE_CTX_init(ctx.get(), store.get(), bundle.front().get(), untrusted) == 1) {
    // The current CAs are trusted as given, even when they are not self-signed roots.
    X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_PARTIAL_CHAIN);
    ok = X509_verify_cert(ctx.get()) == 1;
    if (!ok && error) *error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  }
  sk_X509_free(untrusted);  // the certificates stay owned by `bundle`
  ERR_clear_error();
  return ok;
}

void check_rsa_private_key(const std::string& key_pem, const std::string& name) {
  detail::PkeyPtr key = detail::parse_key_pem(key_pem, name);
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) throw PkiError(name + " is not an RSA private key");
}

}  // namespace k3s::pki
