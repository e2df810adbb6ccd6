// Key generation and PEM (de)serialisation of keys and certificates.
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <filesystem>

#include "openssl_handles.h"

namespace k3s::pki {
namespace detail {
namespace {

BioPtr memory_bio(const std::string& text) {
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) throw_openssl("cannot allocate memory BIO");
  return bio;
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(length));
}

}  // namespace

X509Ptr parse_cert_pem(const std::string& pem, const std::string& origin) {
  ERR_clear_error();
  BioPtr bio = memory_bio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) throw_openssl(origin + ": not a PEM certificate");
  return cert;
}

PkeyPtr parse_key_pem(const std::string& pem, const std::string& origin) {
  ERR_clear_error();
  BioPtr bio = memory_bio(pem);
  // An empty passphrase callback keeps OpenSSL from prompting on a terminal for encrypted keys.
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  if (!key) throw_openssl(origin + ": not an unencrypted PEM private key");
  return key;
}

std::string cert_to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) throw_openssl("cannot encode certificate");
  return drain(bio.get());
}

std::string key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  // The traditional forms ("EC PRIVATE KEY", "RSA PRIVATE KEY") are what k3s writes and what
  // every Kubernetes client accepts.
  if (!bio || PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw_openssl("cannot encode private key");
  return drain(bio.get());
}

PkeyPtr generate_ec_p256_key() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) throw_openssl("cannot generate EC P-256 key");
  return key;
}

PkeyPtr generate_rsa_key(int bits) {
  PkeyPtr key(EVP_RSA_gen(static_cast<unsigned int>(bits)));
  if (!key) throw_openssl("cannot generate RSA key");
  return key;
}

}  // namespace detail

void ensure_rsa_key(const std::string& key_file) {
  std::error_code ec;
  if (std::filesystem::exists(key_file, ec)) {
    // An existing signing key is never replaced: every issued service-account token depends on it.
    detail::PkeyPtr key = detail::parse_key_pem(read_file(key_file), key_file);
    if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA)
      throw PkiError(key_file + ": exists but is not an RSA private key");
    return;
  }
  detail::PkeyPtr key = detail::generate_rsa_key(2048);
  write_file_atomic(key_file, detail::key_to_pem(key.get()), 0600);
}

}  // namespace k3s::pki
