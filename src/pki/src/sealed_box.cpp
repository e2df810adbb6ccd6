// Password-sealed data: AES-256-GCM under a PBKDF2-HMAC-SHA256 key.
#include <openssl/rand.h>

#include "openssl_handles.h"
#include "pki/pki.h"
#include "util/base64.h"

namespace k3s::pki {

namespace {

constexpr std::string_view kPrefix = "k3s-sealed-v1:";
constexpr int kSaltSize = 16, kNonceSize = 12, kTagSize = 16, kKeySize = 32;
constexpr int kIterations = 20000;

using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, detail::Deleter<EVP_CIPHER_CTX_free>>;

std::string derive_key(std::string_view password, const unsigned char* salt) {
  std::string key(kKeySize, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt, kSaltSize, kIterations, EVP_sha256(),
                        kKeySize, reinterpret_cast<unsigned char*>(key.data())) != 1)
    detail::throw_openssl("cannot derive the sealing key");
  return key;
}

}  // namespace

std::string seal_with_password(std::string_view password, std::string_view plaintext) {
  std::string box(kSaltSize + kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(box.data());
  if (RAND_bytes(bytes, kSaltSize + kNonceSize) != 1) detail::throw_openssl("no randomness for sealing");
  const std::string key = derive_key(password, bytes);
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int written = 0, final_written = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                         bytes + kSaltSize) != 1 ||
      EVP_EncryptUpdate(ctx.get(), bytes + kSaltSize + kNonceSize, &written,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), bytes + kSaltSize + kNonceSize + written, &final_written) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, bytes + kSaltSize + kNonceSize + plaintext.size()) != 1)
    detail::throw_openssl("cannot seal");
  return std::string(kPrefix) + util::base64_encode(box);
}

std::string open_with_password(std::string_view password, std::string_view sealed) {
  if (sealed.substr(0, kPrefix.size()) != kPrefix) throw PkiError("sealed data: unknown format");
  std::string box;
  try {
    box = util::base64_decode(sealed.substr(kPrefix.size()));
  } catch (const std::exception& e) {
    throw PkiError(std::string("sealed data: ") + e.what());
  }
  if (box.size() < static_cast<size_t>(kSaltSize + kNonceSize + kTagSize)) throw PkiError("sealed data: truncated");
  auto* bytes = reinterpret_cast<unsigned char*>(box.data());
  const size_t length = box.size() - kSaltSize - kNonceSize - kTagSize;
  const std::string key = derive_key(password, bytes);
  std::string plaintext(length, '\0');
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int written = 0, final_written = 0;
  const bool ok =
      ctx &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                         bytes + kSaltSize) == 1 &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()), &written,
                        bytes + kSaltSize + kNonceSize, static_cast<int>(length)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, bytes + kSaltSize + kNonceSize + length) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()) + written, &final_written) == 1;
  ERR_clear_error();
  if (!ok) throw PkiError("sealed data: wrong password or altered data");
  return plaintext;
}

}  // namespace k3s::pki
