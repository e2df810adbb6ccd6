#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "pki/pki.h"
#include "temp_dir.h"

namespace k3s::pki {
namespace {

using k3s::testing::file_mode;
using k3s::testing::TempDir;

TEST(EnsureCa, CreatesSelfSignedTenYearCaWithTimestampedName) {
  TempDir dir;
  CertificateAuthority ca = ensure_ca(dir.file("ca.crt"), dir.file("ca.key"), "k3s-server-ca");
  EXPECT_EQ(ca.cert_file, dir.file("ca.crt"));
  EXPECT_EQ(ca.key_file, dir.file("ca.key"));
  EXPECT_EQ(file_mode(ca.key_file), 0600u);

  CertInfo info = describe_cert_pem(read_file(ca.cert_file));
  EXPECT_TRUE(info.is_ca);
  EXPECT_EQ(info.subject.common_name.rfind("k3s-server-ca@", 0), 0u) << info.subject.common_name;
  const std::string stamp = info.subject.common_name.substr(std::string("k3s-server-ca@").size());
  const auto now = std::chrono::system_clock::now();
  EXPECT_NEAR(std::stoll(stamp), std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count(),
              3600);
  EXPECT_EQ(info.issuer_common_name, info.subject.common_name);
  const auto days = std::chrono::duration_cast<std::chrono::hours>(info.not_after - now).count() / 24;
  EXPECT_GE(days, 3649);
  EXPECT_LE(days, 3651);
  // Self-signed: it verifies against itself.
  std::string error;
  EXPECT_TRUE(verify_cert_pem(read_file(ca.cert_file), read_file(ca.cert_file), &error)) << error;
  EXPECT_NE(read_file(ca.key_file).find("BEGIN EC PRIVATE KEY"), std::string::npos);
}

TEST(EnsureCa, ReusesExistingPair) {
  TempDir dir;
  ensure_ca(dir.file("ca.crt"), dir.file("ca.key"), "k3s-client-ca");
  const std::string cert = read_file(dir.file("ca.crt")), key = read_file(dir.file("ca.key"));
  ensure_ca(dir.file("ca.crt"), dir.file("ca.key"), "k3s-client-ca");
  EXPECT_EQ(read_file(dir.file("ca.crt")), cert);
  EXPECT_EQ(read_file(dir.file("ca.key")), key);
}

TEST(EnsureCa, RefusesToReplaceHalfOfAnExistingCa) {
  TempDir dir;
  ensure_ca(dir.file("ca.crt"), dir.file("ca.key"), "k3s-server-ca");
  std::filesystem::remove(dir.file("ca.key"));
  try {
    ensure_ca(dir.file("ca.crt"), dir.file("ca.key"), "k3s-server-ca");
    FAIL() << "expected PkiError";
  } catch (const PkiError& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("ca.key")), std::string::npos) << e.what();
  }
}

TEST(EnsureCa, CorruptCertificateIsAClearError) {
  TempDir dir;
  ensure_ca(dir.file("ca.crt"), dir.file("ca.key"), "k3s-server-ca");
  std::ofstream(dir.file("ca.crt")) << "garbage\n";
  try {
    ensure_ca(dir.file("ca.crt"), dir.file("ca.key"), "k3s-server-ca");
    FAIL() << "expected PkiError";
  } catch (const PkiError& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("ca.crt")), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line: " << e.what();
  }
}

TEST(EnsureCa, MismatchedKeyIsAClearError) {
  TempDir dir;
  ensure_ca(dir.file("a.crt"), dir.file("a.key"), "a");
  ensure_ca(dir.file("b.crt"), dir.file("b.key"), "b");
  std::filesystem::copy_file(dir.file("b.key"), dir.file("a.key"), std::filesystem::copy_options::overwrite_existing);
  EXPECT_THROW(ensure_ca(dir.file("a.crt"), dir.file("a.key"), "a"), PkiError);
}

TEST(EnsureCa, LeafCertificateIsNotAcceptedAsCa) {
  TempDir dir;
  CertificateAuthority ca = ensure_ca(dir.file("ca.crt"), dir.file("ca.key"), "ca");
  CertRequest request;
  request.common_name = "leaf";
  ensure_cert(ca, request, dir.file("leaf.crt"), dir.file("leaf.key"));
  EXPECT_THROW(ensure_ca(dir.file("leaf.crt"), dir.file("leaf.key"), "leaf"), PkiError);
}

}  // namespace
}  // namespace k3s::pki
