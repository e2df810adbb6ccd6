#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "containerd_fixture.h"
#include "cri/cri.h"

namespace fs = std::filesystem;
using namespace k3s;

namespace {

std::set<std::string> image_tags(cri::Client& client) {
  std::set<std::string> tags;
  for (const auto& image : client.list_images()) {
    for (const auto& tag : image.repo_tags()) tags.insert(tag);
  }
  return tags;
}

}  // namespace

TEST(AirgapImport, ImportsEveryArchiveKindIntoK8sNamespace) {
  auto containerd = test_support::start_test_containerd(false);
  cri::Client client(containerd->endpoint());
  auto images_dir = containerd->supervisor->paths().images_dir;
  agent::AirgapImageImporter importer(images_dir, containerd->socket(), containerd->options.snapshotter);

  // Plain tar: pause only.
  fs::copy_file(test_support::test_images_dir() + "/pause.tar", images_dir + "/pause.tar");
  auto results = importer.import_changed();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].ok) << results[0].output;
  EXPECT_TRUE(image_tags(client).count(test_support::kPauseImage));
  EXPECT_FALSE(image_tags(client).count(test_support::kBusyboxImage));

  // Unchanged files are not imported again.
  EXPECT_TRUE(importer.import_changed().empty());

  // zstd archive with both.
  for (const auto& image : {test_support::kPauseImage}) client.remove_image(image);
  fs::copy_file(test_support::test_images_dir() + "/k3s-airgap-images-amd64.tar.zst",
                images_dir + "/k3s-airgap-images-amd64.tar.zst");
  results = importer.import_changed();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].ok) << results[0].output;
  auto tags = image_tags(client);
  EXPECT_TRUE(tags.count(test_support::kPauseImage));
  EXPECT_TRUE(tags.count(test_support::kBusyboxImage));

  // gzip archive, and the image status the kubelet relies on.
  client.remove_image(test_support::kBusyboxImage);
  fs::copy_file(test_support::test_images_dir() + "/k3s-airgap-images-amd64.tar.gz",
                images_dir + "/k3s-airgap-images-amd64.tar.gz");
  results = importer.import_changed();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].ok) << results[0].output;
  auto status = client.image_status(test_support::kBusyboxImage);
  ASSERT_TRUE(status.has_image());
  EXPECT_EQ(status.image().id().rfind("sha256:", 0), 0u);

  // A corrupt archive is reported, not swallowed.
  std::ofstream(images_dir + "/broken.tar") << "this is not a tar archive";
  results = importer.import_changed();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].ok);
  EXPECT_FALSE(results[0].output.empty());
  test_support::stop_test_containerd(containerd);
}

TEST(AirgapImport, WatchImportsFilesDroppedInLater) {
  auto containerd = test_support::start_test_containerd(false);
  cri::Client client(containerd->endpoint());
  auto images_dir = containerd->supervisor->paths().images_dir;
  agent::AirgapImageImporter importer(images_dir, containerd->socket(), containerd->options.snapshotter);
  importer.watch();
  // Written under another name and renamed in, as an installer would.
  fs::copy_file(test_support::test_images_dir() + "/busybox.tar", images_dir + "/.busybox.tmp");
  fs::rename(images_dir + "/.busybox.tmp", images_dir + "/busybox.tar");
  while (!image_tags(client).count(test_support::kBusyboxImage)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  importer.stop();
  test_support::stop_test_containerd(containerd);
}
