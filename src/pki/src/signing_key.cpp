// RS256 signing with the service-account key.
#include <openssl/core_names.h>
#include <openssl/sha.h>

#include "openssl_handles.h"
#include "pki/pki.h"
#include "util/base64.h"

namespace k3s::pki {

struct SigningKey::Key {
  detail::PkeyPtr pkey;
};

namespace {

using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, detail::Deleter<EVP_MD_CTX_free>>;

std::string base64url(const unsigned char* data, size_t size) {
  return util::base64_encode(std::string_view(reinterpret_cast<const char*>(data), size), util::Base64Alphabet::url,
                             false);
}

std::string bignum_param_b64url(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) detail::throw_openssl(std::string("cannot read RSA ") + name);
  detail::BignumPtr bn(raw);
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  return base64url(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

}  // namespace

SigningKey SigningKey::load_private(const std::string& key_file) {
  detail::PkeyPtr pkey = detail::parse_key_pem(read_file(key_file), key_file);
  if (EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA) throw PkiError(key_file + ": not an RSA private key");
  unsigned char* der = nullptr;
  const int der_size = i2d_PUBKEY(pkey.get(), &der);
  if (der_size <= 0) detail::throw_openssl(key_file + ": cannot encode the public key");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(der_size), digest);
  OPENSSL_free(der);
  SigningKey out;
  out.key_id_ = base64url(digest, sizeof digest);
  auto key = std::make_shared<Key>();
  key->pkey = std::move(pkey);
  out.key_ = std::move(key);
  return out;
}

std::string SigningKey::sign(std::string_view data) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    detail::throw_openssl("cannot sign");
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    detail::throw_openssl("cannot sign");
  signature.resize(size);
  return signature;
}

bool SigningKey::verify(std::string_view data, std::string_view signature) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_->pkey.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  const bool ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                                   signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                                   data.size()) == 1;
  ERR_clear_error();
  return ok;
}

std::string SigningKey::jwk_modulus() const { return bignum_param_b64url(key_->pkey.get(), OSSL_PKEY_PARAM_RSA_N); }
std::string SigningKey::jwk_exponent() const { return bignum_param_b64url(key_->pkey.get(), OSSL_PKEY_PARAM_RSA_E); }

}  // namespace k3s::pki
