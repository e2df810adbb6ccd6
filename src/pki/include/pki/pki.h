// Certificates and keys for the cluster, generated with OpenSSL and kept as PEM files.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace k3s::pki {

class PkiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CertificateAuthority {
  std::string cert_file;
  std::string key_file;
};

struct CertRequest {
  std::string common_name;
  std::vector<std::string> organizations;  // client certs: groups
  std::vector<std::string> dns_sans;
  std::vector<std::string> ip_sans;
  bool server_auth = false;
  bool client_auth = false;
  int valid_days = 365;
  // When > 0 the certificate lasts this many seconds instead (CSR spec.expirationSeconds).
  long valid_seconds = 0;
};

// Creates a self-signed CA (EC P-256, 10 years, CN "<name>@<unix time>") unless both files
// exist and parse; returns it either way. Keys are written with mode 0600.
CertificateAuthority ensure_ca(const std::string& cert_file, const std::string& key_file,
                               const std::string& common_name);

// Issues a certificate signed by `ca` unless `cert_file` exists, is signed by that CA, is
// valid for at least 90 more days and already carries every requested SAN.
void ensure_cert(const CertificateAuthority& ca, const CertRequest& request,
                 const std::string& cert_file, const std::string& key_file);

// Issues a certificate in memory (for agents fetching kubelet certs): PEM cert + PEM key.
struct IssuedCert {
  std::string cert_pem;
  std::string key_pem;
};
IssuedCert issue_cert(const CertificateAuthority& ca, const CertRequest& request);
// Signs a CSR (PEM) with the CA; for CertificateSigningRequest and agents that bring a key.
std::string sign_csr(const CertificateAuthority& ca, const std::string& csr_pem, const CertRequest& request);

// RSA 2048 key for signing service-account tokens (kube-apiserver's convention), mode 0600.
void ensure_rsa_key(const std::string& key_file);

// An RSA key that signs and verifies RS256 (RSASSA-PKCS1-v1_5 with SHA-256), the signature
// of service-account JWTs. Only the public half is needed to verify.
class SigningKey {
 public:
  // Throws PkiError when the file is missing or holds no RSA private key.
  static SigningKey load_private(const std::string& key_file);
  std::string sign(std::string_view data) const;
  bool verify(std::string_view data, std::string_view signature) const;
  // kube-apiserver's key id: unpadded base64url of the SHA-256 of the public key's DER.
  const std::string& key_id() const { return key_id_; }
  // The JWK members of the public key ("n" and "e", unpadded base64url).
  std::string jwk_modulus() const;
  std::string jwk_exponent() const;

 private:
  struct Key;
  std::shared_ptr<const Key> key_;
  std::string key_id_;
};

// Data sealed under a password (the cluster token), as servers sharing a datastore keep the
// cluster's CAs there: AES-256-GCM with a PBKDF2-HMAC-SHA256 key and a random salt and nonce.
// Opening throws PkiError when the password is wrong or the data was altered.
std::string seal_with_password(std::string_view password, std::string_view plaintext);
std::string open_with_password(std::string_view password, std::string_view sealed);

// Hex SHA-256 of a file's bytes: the hash carried by K10 tokens (of the server CA bundle).
std::string sha256_file_hex(const std::string& file);
std::string sha256_hex(const std::string& content);
std::string read_file(const std::string& file);

// Subject of a verified peer certificate, as the API server's x509 authenticator reads it.
struct Subject {
  std::string common_name;
  std::vector<std::string> organizations;
};

// What a PEM certificate says about itself (for reuse decisions, `k3s certificate check`, tests).
struct CertInfo {
  Subject subject;
  std::string issuer_common_name;
  std::vector<std::string> dns_sans;
  std::vector<std::string> ip_sans;  // canonical text: "10.0.0.1", "::1"
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  bool is_ca = false;
  bool server_auth = false;
  bool client_auth = false;
  std::string serial_hex;
};
// Reads the first certificate of a PEM text; PkiError when it does not parse.
CertInfo describe_cert_pem(const std::string& cert_pem);

// True when `cert_pem` chains to the CA certificate(s) in `ca_pem` and is currently valid
// (X509_verify_cert, i.e. `openssl verify -CAfile`). `error` receives the reason otherwise.
bool verify_cert_pem(const std::string& ca_pem, const std::string& cert_pem, std::string* error = nullptr);

// A CA handed in for rotation: `cert_pem`'s first certificate is a CA and `key_pem` is its
// key. Throws PkiError naming `<name>.crt` / `<name>.key` otherwise.
void check_ca_key_pair(const std::string& cert_pem, const std::string& key_pem, const std::string& name);
// Whether the first certificate of `bundle_pem` chains to one of `roots_pem`, the rest of the
// bundle serving as intermediates (a new CA cross-signed by the current one).
bool chains_to(const std::string& roots_pem, const std::string& bundle_pem, std::string* error = nullptr);
// Throws PkiError unless `key_pem` starts with an RSA private key (a service-account key).
void check_rsa_private_key(const std::string& key_pem, const std::string& name);

// Writes `content` to a temp file beside `path`, sets `mode`, fsyncs and renames it into
// place, so readers never see a partial file. Parent directories are created (0755).
void write_file_atomic(const std::string& path, const std::string& content, unsigned mode);

}  // namespace k3s::pki
