#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "pki/pki.h"
#include "temp_dir.h"

namespace k3s::pki {
namespace {

using k3s::testing::file_mode;
using k3s::testing::TempDir;

TEST(Sha256FileHex, MatchesKnownDigest) {
  TempDir dir;
  std::ofstream(dir.file("abc")) << "abc";
  EXPECT_EQ(sha256_file_hex(dir.file("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ReadFile, MissingFileNamesThePath) {
  TempDir dir;
  try {
    read_file(dir.file("absent"));
    FAIL() << "expected PkiError";
  } catch (const PkiError& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("absent")), std::string::npos) << e.what();
  }
  EXPECT_THROW(sha256_file_hex(dir.file("absent")), PkiError);
}

TEST(WriteFileAtomic, CreatesParentsSetsModeDespiteUmaskAndLeavesNoTemp) {
  TempDir dir;
  const mode_t old_umask = ::umask(077);
  const std::string target = dir.file("a/b/config");
  write_file_atomic(target, "one", 0644);
  ::umask(old_umask);
  EXPECT_EQ(read_file(target), "one");
  EXPECT_EQ(file_mode(target), 0644u);
  write_file_atomic(target, "two", 0600);
  EXPECT_EQ(read_file(target), "two");
  EXPECT_EQ(file_mode(target), 0600u);
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.file("a/b"))) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST(WriteFileAtomic, UnwritableDirectoryIsAClearError) {
  TempDir dir;
  std::ofstream(dir.file("plainfile")) << "x";
  EXPECT_THROW(write_file_atomic(dir.file("plainfile/sub"), "x", 0600), PkiError);
}

TEST(EnsureRsaKey, CreatesRsa2048WithMode0600AndKeepsIt) {
  TempDir dir;
  ensure_rsa_key(dir.file("service.key"));
  EXPECT_EQ(file_mode(dir.file("service.key")), 0600u);
  const std::string pem = read_file(dir.file("service.key"));
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_get_bits(key), 2048);
  EVP_PKEY_free(key);
  ensure_rsa_key(dir.file("service.key"));
  EXPECT_EQ(read_file(dir.file("service.key")), pem);
}

TEST(EnsureRsaKey, NonRsaOrGarbageKeyIsAnErrorNotReplaced) {
  TempDir dir;
  ensure_ca(dir.file("ca.crt"), dir.file("ca.key"), "ca");  // an EC key
  EXPECT_THROW(ensure_rsa_key(dir.file("ca.key")), PkiError);
  std::ofstream(dir.file("junk.key")) << "junk";
  EXPECT_THROW(ensure_rsa_key(dir.file("junk.key")), PkiError);
  EXPECT_EQ(read_file(dir.file("junk.key")), "junk");
}

}  // namespace
}  // namespace k3s::pki
