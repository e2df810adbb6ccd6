#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "volumes.h"

using namespace k3s::kubelet;
namespace fs = std::filesystem;

namespace {
std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST(AtomicWriter, PublishesThroughDataSymlinkAndSwaps) {
  fs::path dir = fs::temp_directory_path() / ("kubelet-atomic-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  Payload first{{"a", {"1", 0644}}, {"nested/b", {"2", 0600}}};
  EXPECT_TRUE(write_atomic_payload(dir, first));
  EXPECT_TRUE(fs::is_symlink(dir / "..data"));
  EXPECT_TRUE(fs::is_symlink(dir / "a"));
  EXPECT_EQ(read(dir / "a"), "1");
  EXPECT_EQ(read(dir / "nested" / "b"), "2");
  const auto old_target = fs::read_symlink(dir / "..data");
  EXPECT_FALSE(write_atomic_payload(dir, first)) << "unchanged content is not rewritten";

  Payload second{{"a", {"changed", 0644}}};
  EXPECT_TRUE(write_atomic_payload(dir, second));
  EXPECT_EQ(read(dir / "a"), "changed");
  EXPECT_FALSE(fs::exists(dir / "nested")) << "keys that disappeared are unpublished";
  EXPECT_FALSE(fs::exists(dir / old_target)) << "the previous version is removed";
  EXPECT_THROW(write_atomic_payload(dir, Payload{{"../escape", {"x", 0644}}}), VolumeError);
  fs::remove_all(dir);
}

TEST(Volumes, EmptyDirHostPathConfigMapAndMissingSecret) {
  KubeletConfig config;
  config.root_dir = (fs::temp_directory_path() / ("kubelet-vol-" + std::to_string(::getpid()))).string();
  const std::string host_dir = config.root_dir + "-host";
  Json pod = Json::parse(R"({"metadata": {"name": "p", "namespace": "ns", "uid": "uid1", "labels": {"x": "y"}},
    "spec": {"volumes": [
      {"name": "scratch", "emptyDir": {}},
      {"name": "host", "hostPath": {"path": ")" + host_dir + R"(", "type": "DirectoryOrCreate"}},
      {"name": "cfg", "configMap": {"name": "c", "items": [{"key": "k", "path": "renamed"}]}},
      {"name": "info", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}}
    ]}})");
  VolumeSources sources;
  sources.objects.config_map = [](const std::string&, const std::string& name) -> std::optional<Json> {
    if (name == "c") return Json{{"data", {{"k", "v"}}}};
    return std::nullopt;
  };
  sources.objects.secret = [](const std::string&, const std::string&) -> std::optional<Json> { return std::nullopt; };
  auto paths = setup_volumes(config, pod, sources);
  EXPECT_TRUE(fs::is_directory(paths["scratch"]));
  EXPECT_EQ(paths["host"], host_dir);
  EXPECT_TRUE(fs::is_directory(host_dir));
  EXPECT_EQ(read(paths["cfg"] + "/renamed"), "v");
  EXPECT_EQ(read(paths["info"] + "/labels"), "x=\"y\"");

  pod["spec"]["volumes"].push_back({{"name", "s"}, {"secret", {{"secretName", "missing"}}}});
  try {
    setup_volumes(config, pod, sources);
    FAIL();
  } catch (const VolumeError& e) {
    EXPECT_NE(std::string(e.what()).find("secret \"missing\" not found"), std::string::npos);
  }
  teardown_pod_dir(config, "uid1");
  EXPECT_FALSE(fs::exists(config.root_dir + "/pods/uid1"));
  fs::remove_all(config.root_dir);
  fs::remove_all(host_dir);
}
