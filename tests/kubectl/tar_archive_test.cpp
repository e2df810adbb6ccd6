// The cp tar streams: what write_tar makes, GNU tar reads; what GNU tar makes (long names
// included), TarExtractor writes back, fed in arbitrary pieces.
#include "tar_archive.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using k3s::kubectl::TarExtractor;
using k3s::kubectl::write_tar;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

class TarArchive : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/k3s-tar-test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    long_dir_ = std::string(60, 'd') + "/" + std::string(60, 'e');
    write_file(root_ / "src/a.txt", "alpha\n");
    write_file(root_ / "src/empty", "");
    std::string big(70000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 % 251);
    write_file(root_ / "src" / long_dir_ / "big.bin", big);
    fs::permissions(root_ / "src/a.txt", fs::perms::owner_all);
  }
  void TearDown() override { fs::remove_all(root_); }

  int run(const std::string& command) { return std::system(command.c_str()); }

  fs::path root_;
  std::string long_dir_;
};

TEST_F(TarArchive, GnuTarReadsWhatWeWrite) {
  std::string archive;
  write_tar(root_ / "src", "copied", archive);
  std::ofstream(root_ / "ours.tar", std::ios::binary) << archive;
  fs::create_directories(root_ / "out");
  ASSERT_EQ(run("tar -xf " + (root_ / "ours.tar").string() + " -C " + (root_ / "out").string()), 0);
  EXPECT_EQ(read_all(root_ / "out/copied/a.txt"), "alpha\n");
  EXPECT_EQ(read_all(root_ / "out/copied" / long_dir_ / "big.bin"), read_all(root_ / "src" / long_dir_ / "big.bin"));
  EXPECT_TRUE(fs::exists(root_ / "out/copied/empty"));
  EXPECT_EQ(fs::status(root_ / "out/copied/a.txt").permissions() & fs::perms::all, fs::perms::owner_all);
}

TEST_F(TarArchive, ExtractsGnuTarInSmallPieces) {
  for (const char* format : {"gnu", "posix"}) {
    SCOPED_TRACE(format);
    fs::remove_all(root_ / "back");
    ASSERT_EQ(run(std::string("tar --format=") + format + " -cf " + (root_ / "theirs.tar").string() + " -C " +
                  root_.string() + " src"),
              0);
    const std::string archive = read_all(root_ / "theirs.tar");
    TarExtractor extractor([&](const std::string& member) -> std::optional<fs::path> {
      std::string name = member;
      if (name.rfind("src", 0) != 0) return std::nullopt;
      return root_ / "back" / name.substr(3 + (name.size() > 3 ? 1 : 0));
    });
    for (std::size_t at = 0; at < archive.size(); at += 333) extractor.feed(std::string_view(archive).substr(at, 333));
    EXPECT_TRUE(extractor.finished());
    EXPECT_EQ(read_all(root_ / "back/a.txt"), "alpha\n");
    EXPECT_EQ(read_all(root_ / "back" / long_dir_ / "big.bin"), read_all(root_ / "src" / long_dir_ / "big.bin"));
  }
}

TEST_F(TarArchive, SkipsMembersTheDestinationRefuses) {
  std::string archive;
  write_tar(root_ / "src/a.txt", "../escape.txt", archive);
  int asked = 0;
  TarExtractor extractor([&](const std::string& member) -> std::optional<fs::path> {
    ++asked;
    EXPECT_EQ(member, "../escape.txt");
    return std::nullopt;
  });
  extractor.feed(archive);
  EXPECT_EQ(asked, 1);
  EXPECT_TRUE(extractor.finished());
  EXPECT_FALSE(fs::exists(root_ / "escape.txt"));
}

TEST_F(TarArchive, MalformedHeaderIsAnError) {
  std::string garbage(512, 'x');
  TarExtractor extractor([](const std::string&) -> std::optional<fs::path> { return std::nullopt; });
  EXPECT_THROW(extractor.feed(garbage), std::runtime_error);
}

}  // namespace
