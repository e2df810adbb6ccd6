#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "pki/pki.h"
#include "temp_dir.h"

namespace k3s::pki {
namespace {

using k3s::testing::TempDir;

// A CSR made the way an agent or `kubectl certificate` client would: its own key, CN, O, SANs.
std::string make_csr(const std::string& cn, const std::string& org, const std::string& sans) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509_REQ* req = X509_REQ_new();
  X509_NAME* name = X509_REQ_get_subject_name(req);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_REQ_set_pubkey(req, key);
  if (!sans.empty()) {
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    sk_X509_EXTENSION_push(exts, X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, sans.c_str()));
    X509_REQ_add_extensions(req, exts);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  X509_REQ_sign(req, key, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_REQ(bio, req);
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(length));
  BIO_free(bio);
  X509_REQ_free(req);
  EVP_PKEY_free(key);
  return pem;
}

class CsrTest : public ::testing::Test {
 protected:
  TempDir dir;
  CertificateAuthority ca = ensure_ca(dir.file("ca.crt"), dir.file("ca.key"), "test-ca");
};

TEST_F(CsrTest, EmptyRequestTakesSubjectAndSansFromCsr) {
  const std::string csr = make_csr("system:node:n1", "system:nodes", "DNS:n1,IP:192.0.2.5");
  CertRequest request;
  request.client_auth = true;
  const std::string cert = sign_csr(ca, csr, request);
  CertInfo info = describe_cert_pem(cert);
  EXPECT_EQ(info.subject.common_name, "system:node:n1");
  EXPECT_EQ(info.subject.organizations, std::vector<std::string>{"system:nodes"});
  EXPECT_EQ(info.dns_sans, std::vector<std::string>{"n1"});
  EXPECT_EQ(info.ip_sans, std::vector<std::string>{"192.0.2.5"});
  EXPECT_TRUE(info.client_auth);
  EXPECT_TRUE(verify_cert_pem(read_file(ca.cert_file), cert));
}

TEST_F(CsrTest, CallerChosenSubjectWins) {
  const std::string csr = make_csr("evil", "system:masters", "DNS:evil.example");
  CertRequest request;
  request.common_name = "system:node:n2";
  request.organizations = {"system:nodes"};
  request.dns_sans = {"n2"};
  request.server_auth = true;
  CertInfo info = describe_cert_pem(sign_csr(ca, csr, request));
  EXPECT_EQ(info.subject.common_name, "system:node:n2");
  EXPECT_EQ(info.subject.organizations, std::vector<std::string>{"system:nodes"});
  EXPECT_EQ(info.dns_sans, std::vector<std::string>{"n2"});
}

TEST_F(CsrTest, TamperedOrGarbageCsrIsRejected) {
  std::string csr = make_csr("a", "b", "");
  EXPECT_THROW(sign_csr(ca, "not a csr", CertRequest{}), PkiError);
  // Flip a character inside the base64 body: either the DER or the signature breaks.
  const size_t body = csr.find('\n') + 40;
  csr[body] = csr[body] == 'A' ? 'B' : 'A';
  EXPECT_THROW(sign_csr(ca, csr, CertRequest{}), PkiError);
}

}  // namespace
}  // namespace k3s::pki
