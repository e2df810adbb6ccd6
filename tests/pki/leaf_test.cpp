#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "pki/pki.h"
#include "temp_dir.h"
#include "util/base64.h"

namespace k3s::pki {
namespace {

using k3s::testing::file_mode;
using k3s::testing::TempDir;

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

CertRequest serving_request() {
  CertRequest request;
  request.common_name = "kube-apiserver";
  request.dns_sans = {"localhost", "kubernetes.default.svc", "*.example.test"};
  request.ip_sans = {"127.0.0.1", "::1", "10.43.0.1", "2001:db8:0:0::7"};
  request.server_auth = true;
  return request;
}

class LeafTest : public ::testing::Test {
 protected:
  TempDir dir;
  CertificateAuthority ca = ensure_ca(dir.file("ca.crt"), dir.file("ca.key"), "test-ca");
};

TEST_F(LeafTest, ServingCertVerifiesAgainstCaAndCarriesSans) {
  ensure_cert(ca, serving_request(), dir.file("serving.crt"), dir.file("serving.key"));
  EXPECT_EQ(file_mode(dir.file("serving.key")), 0600u);

  std::string error;
  EXPECT_TRUE(verify_cert_pem(read_file(ca.cert_file), read_file(dir.file("serving.crt")), &error)) << error;
  CertInfo info = describe_cert_pem(read_file(dir.file("serving.crt")));
  EXPECT_EQ(info.subject.common_name, "kube-apiserver");
  EXPECT_FALSE(info.is_ca);
  EXPECT_TRUE(info.server_auth);
  EXPECT_FALSE(info.client_auth);
  EXPECT_TRUE(contains(info.dns_sans, "localhost"));
  EXPECT_TRUE(contains(info.dns_sans, "kubernetes.default.svc"));
  EXPECT_TRUE(contains(info.dns_sans, "*.example.test"));
  EXPECT_TRUE(contains(info.ip_sans, "127.0.0.1"));
  EXPECT_TRUE(contains(info.ip_sans, "::1"));
  EXPECT_TRUE(contains(info.ip_sans, "10.43.0.1"));
  EXPECT_TRUE(contains(info.ip_sans, "2001:db8::7"));
  EXPECT_EQ(info.issuer_common_name, describe_cert_pem(read_file(ca.cert_file)).subject.common_name);
}

TEST_F(LeafTest, OpensslVerifyCommandAcceptsTheChain) {
  ensure_cert(ca, serving_request(), dir.file("serving.crt"), dir.file("serving.key"));
  const std::string command = "openssl verify -CAfile " + ca.cert_file + " -purpose sslserver " +
                              dir.file("serving.crt") + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

TEST_F(LeafTest, SerialNumbersAreRandom) {
  IssuedCert a = issue_cert(ca, serving_request());
  IssuedCert b = issue_cert(ca, serving_request());
  EXPECT_NE(describe_cert_pem(a.cert_pem).serial_hex, describe_cert_pem(b.cert_pem).serial_hex);
  EXPECT_GE(describe_cert_pem(a.cert_pem).serial_hex.size(), 16u);
}

TEST_F(LeafTest, ReusedWhenItStillFits) {
  ensure_cert(ca, serving_request(), dir.file("s.crt"), dir.file("s.key"));
  const std::string cert = read_file(dir.file("s.crt")), key = read_file(dir.file("s.key"));
  CertRequest subset = serving_request();
  subset.dns_sans.pop_back();  // fewer SANs than issued still fits
  ensure_cert(ca, subset, dir.file("s.crt"), dir.file("s.key"));
  EXPECT_EQ(read_file(dir.file("s.crt")), cert);
  EXPECT_EQ(read_file(dir.file("s.key")), key);
}

TEST_F(LeafTest, ReissuedWithSameKeyWhenASanIsMissing) {
  ensure_cert(ca, serving_request(), dir.file("s.crt"), dir.file("s.key"));
  const std::string cert = read_file(dir.file("s.crt")), key = read_file(dir.file("s.key"));
  CertRequest more = serving_request();
  more.ip_sans.push_back("192.0.2.10");
  ensure_cert(ca, more, dir.file("s.crt"), dir.file("s.key"));
  EXPECT_NE(read_file(dir.file("s.crt")), cert);
  EXPECT_EQ(read_file(dir.file("s.key")), key);
  EXPECT_TRUE(contains(describe_cert_pem(read_file(dir.file("s.crt"))).ip_sans, "192.0.2.10"));
}

TEST_F(LeafTest, ReissuedWhenSignedByAnotherCa) {
  ensure_cert(ca, serving_request(), dir.file("s.crt"), dir.file("s.key"));
  CertificateAuthority other = ensure_ca(dir.file("other.crt"), dir.file("other.key"), "other-ca");
  ensure_cert(other, serving_request(), dir.file("s.crt"), dir.file("s.key"));
  EXPECT_TRUE(verify_cert_pem(read_file(other.cert_file), read_file(dir.file("s.crt"))));
  EXPECT_FALSE(verify_cert_pem(read_file(ca.cert_file), read_file(dir.file("s.crt"))));
}

TEST_F(LeafTest, ReissuedWhenExpiringWithinNinetyDays) {
  CertRequest short_lived = serving_request();
  short_lived.valid_days = 30;
  ensure_cert(ca, short_lived, dir.file("s.crt"), dir.file("s.key"));
  const std::string first = describe_cert_pem(read_file(dir.file("s.crt"))).serial_hex;
  ensure_cert(ca, serving_request(), dir.file("s.crt"), dir.file("s.key"));
  CertInfo renewed = describe_cert_pem(read_file(dir.file("s.crt")));
  EXPECT_NE(renewed.serial_hex, first);
  EXPECT_GT(renewed.not_after - std::chrono::system_clock::now(), std::chrono::hours(24 * 300));
}

TEST_F(LeafTest, ReissuedWhenSubjectChanges) {
  CertRequest admin;
  admin.common_name = "system:admin";
  admin.organizations = {"system:masters"};
  admin.client_auth = true;
  ensure_cert(ca, admin, dir.file("c.crt"), dir.file("c.key"));
  admin.organizations = {"system:nodes"};
  ensure_cert(ca, admin, dir.file("c.crt"), dir.file("c.key"));
  EXPECT_EQ(describe_cert_pem(read_file(dir.file("c.crt"))).subject.organizations,
            std::vector<std::string>{"system:nodes"});
}

TEST_F(LeafTest, CorruptLeafIsIssuedAgain) {
  ensure_cert(ca, serving_request(), dir.file("s.crt"), dir.file("s.key"));
  std::ofstream(dir.file("s.crt")) << "not a certificate";
  ensure_cert(ca, serving_request(), dir.file("s.crt"), dir.file("s.key"));
  EXPECT_TRUE(verify_cert_pem(read_file(ca.cert_file), read_file(dir.file("s.crt"))));
}

TEST_F(LeafTest, ClientCertCarriesGroupsAndClientUsage) {
  CertRequest request;
  request.common_name = "system:admin";
  request.organizations = {"system:masters", "extra"};
  request.client_auth = true;
  IssuedCert issued = issue_cert(ca, request);
  CertInfo info = describe_cert_pem(issued.cert_pem);
  EXPECT_EQ(info.subject.common_name, "system:admin");
  EXPECT_EQ(info.subject.organizations, (std::vector<std::string>{"system:masters", "extra"}));
  EXPECT_TRUE(info.client_auth);
  EXPECT_FALSE(info.server_auth);
  EXPECT_NE(issued.key_pem.find("PRIVATE KEY"), std::string::npos);
  EXPECT_TRUE(verify_cert_pem(read_file(ca.cert_file), issued.cert_pem));
}

TEST_F(LeafTest, BadSansAreRejectedWithTheValue) {
  CertRequest bad_ip = serving_request();
  bad_ip.ip_sans.push_back("10.0.0.300");
  try {
    issue_cert(ca, bad_ip);
    FAIL() << "expected PkiError";
  } catch (const PkiError& e) {
    EXPECT_NE(std::string(e.what()).find("10.0.0.300"), std::string::npos) << e.what();
  }
  CertRequest bad_dns = serving_request();
  bad_dns.dns_sans.push_back("has space.example");
  EXPECT_THROW(issue_cert(ca, bad_dns), PkiError);
  CertRequest no_name = serving_request();
  no_name.common_name.clear();
  EXPECT_THROW(issue_cert(ca, no_name), PkiError);
  CertRequest bad_days = serving_request();
  bad_days.valid_days = 0;
  EXPECT_THROW(issue_cert(ca, bad_days), PkiError);
}

TEST_F(LeafTest, MissingCaIsAClearError) {
  CertificateAuthority missing{dir.file("nope.crt"), dir.file("nope.key")};
  try {
    issue_cert(missing, serving_request());
    FAIL() << "expected PkiError";
  } catch (const PkiError& e) {
    EXPECT_NE(std::string(e.what()).find("nope.crt"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace k3s::pki

TEST(SigningKey, SignsAndVerifiesRs256) {
  k3s::testing::TempDir dir;
  k3s::pki::ensure_rsa_key(dir.file("service.key"));
  auto key = k3s::pki::SigningKey::load_private(dir.file("service.key"));
  const std::string signature = key.sign("header.claims");
  EXPECT_EQ(signature.size(), 256u);  // RSA 2048
  EXPECT_TRUE(key.verify("header.claims", signature));
  EXPECT_FALSE(key.verify("header.claimz", signature));
  EXPECT_EQ(key.key_id().size(), 43u);  // unpadded base64url of a SHA-256
  EXPECT_EQ(key.jwk_exponent(), "AQAB");
  EXPECT_THROW(k3s::pki::SigningKey::load_private(dir.file("missing.key")), k3s::pki::PkiError);
}

TEST(SealedBox, RoundTripsAndRefusesWrongPasswordsAndTampering) {
  const std::string sealed = k3s::pki::seal_with_password("s3cret", "the cluster CA");
  EXPECT_EQ(sealed.rfind("k3s-sealed-v1:", 0), 0u);
  EXPECT_NE(sealed, k3s::pki::seal_with_password("s3cret", "the cluster CA"));  // fresh salt and nonce
  EXPECT_EQ(k3s::pki::open_with_password("s3cret", sealed), "the cluster CA");
  EXPECT_THROW(k3s::pki::open_with_password("other", sealed), k3s::pki::PkiError);
  // One ciphertext byte flipped (in the decoded box: a base64 character may carry padding bits).
  const std::string prefix = "k3s-sealed-v1:";
  std::string box = k3s::util::base64_decode(sealed.substr(prefix.size()));
  box[30] = static_cast<char>(box[30] ^ 0x01);
  EXPECT_THROW(k3s::pki::open_with_password("s3cret", prefix + k3s::util::base64_encode(box)), k3s::pki::PkiError);
  EXPECT_THROW(k3s::pki::open_with_password("s3cret", "garbage"), k3s::pki::PkiError);
}
