#include <gtest/gtest.h>

#include <functional>

#include "pki/pki.h"
#include "temp_dir.h"

namespace k3s::pki {
namespace {

using k3s::testing::TempDir;

struct Pair {
  std::string cert, key;
};

Pair make_ca(TempDir& dir, const std::string& name) {
  ensure_ca(dir.file(name + ".crt"), dir.file(name + ".key"), name);
  return {read_file(dir.file(name + ".crt")), read_file(dir.file(name + ".key"))};
}

Pair make_leaf(TempDir& dir, const std::string& ca_name) {
  CertRequest request;
  request.common_name = "leaf";
  request.client_auth = true;
  IssuedCert issued = issue_cert({dir.file(ca_name + ".crt"), dir.file(ca_name + ".key")}, request);
  return {issued.cert_pem, issued.key_pem};
}

void expect_pki_error(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no PkiError (wanted one containing \"" << fragment << "\")";
  } catch (const PkiError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(CheckCaKeyPair, AcceptsACaWithItsKey) {
  TempDir dir;
  Pair a = make_ca(dir, "a");
  EXPECT_NO_THROW(check_ca_key_pair(a.cert, a.key, "server-ca"));
}

TEST(CheckCaKeyPair, RefusesTheKeyOfAnotherCa) {
  TempDir dir;
  Pair a = make_ca(dir, "a"), b = make_ca(dir, "b");
  expect_pki_error([&] { check_ca_key_pair(a.cert, b.key, "server-ca"); },
                   "server-ca.key does not match the first certificate of server-ca.crt");
}

TEST(CheckCaKeyPair, RefusesALeafCertificate) {
  TempDir dir;
  make_ca(dir, "a");
  Pair leaf = make_leaf(dir, "a");
  expect_pki_error([&] { check_ca_key_pair(leaf.cert, leaf.key, "client-ca"); }, "client-ca.crt is not a CA");
}

TEST(CheckCaKeyPair, RefusesWhatIsNotPem) {
  TempDir dir;
  Pair a = make_ca(dir, "a");
  expect_pki_error([&] { check_ca_key_pair("garbage", a.key, "server-ca"); }, "server-ca.crt");
  expect_pki_error([&] { check_ca_key_pair(a.cert, "garbage", "server-ca"); }, "server-ca.key");
}

TEST(ChainsTo, TheCurrentCaAndWhatItSigned) {
  TempDir dir;
  Pair a = make_ca(dir, "a");
  Pair leaf = make_leaf(dir, "a");
  std::string error;
  EXPECT_TRUE(chains_to(a.cert, a.cert, &error)) << error;
  EXPECT_TRUE(chains_to(a.cert, leaf.cert, &error)) << error;
}

TEST(ChainsTo, NotAnUnrelatedCaEvenWithItsOwnRootInTheBundle) {
  TempDir dir;
  Pair a = make_ca(dir, "a"), b = make_ca(dir, "b");
  Pair leaf_b = make_leaf(dir, "b");
  std::string error;
  EXPECT_FALSE(chains_to(a.cert, b.cert, &error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(chains_to(a.cert, leaf_b.cert + b.cert, &error));
  // Extra certificates in the bundle do not get in the way of the real chain.
  EXPECT_TRUE(chains_to(b.cert, leaf_b.cert + a.cert, &error)) << error;
}

TEST(CheckRsaPrivateKey, AcceptsRsaRefusesEc) {
  TempDir dir;
  ensure_rsa_key(dir.file("service.key"));
  EXPECT_NO_THROW(check_rsa_private_key(read_file(dir.file("service.key")), "service.key"));
  Pair a = make_ca(dir, "a");  // EC P-256
  expect_pki_error([&] { check_rsa_private_key(a.key, "service.key"); }, "service.key is not an RSA private key");
}

}  // namespace
}  // namespace k3s::pki
