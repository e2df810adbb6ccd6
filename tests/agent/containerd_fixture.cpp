#include "containerd_fixture.h"

#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "cri/cri.h"

namespace fs = std::filesystem;

namespace k3s::test_support {

std::string test_images_dir() { return K3S_TEST_IMAGES_DIR; }

std::unique_ptr<TestContainerd> start_test_containerd(bool import_images) {
  static std::atomic<int> counter{0};
  auto containerd = std::make_unique<TestContainerd>();
  char tmpl[] = "/tmp/k3s-cri-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  containerd->data_dir = tmpl;
  containerd->state_dir = "/run/k3s-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  auto& options = containerd->options;
  options.data_dir = containerd->data_dir;
  options.state_dir = containerd->state_dir;
  options.private_registry = containerd->data_dir + "/registries.yaml";  // absent: no mirrors
  options.stream_server_port = "0";  // tests may run in parallel with a real node
  if (const char* snapshotter = getenv("K3S_TEST_SNAPSHOTTER")) options.snapshotter = snapshotter;
  containerd->supervisor = std::make_unique<agent::ContainerdSupervisor>(options);
  containerd->supervisor->start(std::chrono::minutes(2));
  if (import_images) {
    auto images_dir = containerd->supervisor->paths().images_dir;
    fs::copy_file(test_images_dir() + "/k3s-airgap-images-amd64.tar", images_dir + "/k3s-airgap-images-amd64.tar",
                  fs::copy_options::overwrite_existing);
    agent::AirgapImageImporter importer(images_dir, containerd->socket(), options.snapshotter);
    for (const auto& result : importer.import_changed()) {
      if (!result.ok) throw std::runtime_error("import " + result.file + ": " + result.output);
    }
  }
  return containerd;
}

void stop_test_containerd(std::unique_ptr<TestContainerd>& containerd) {
  if (!containerd) return;
  if (getenv("K3S_TEST_KEEP_CONTAINERD")) {  // debugging: leave it running to poke at
    fprintf(stderr, "keeping containerd at %s (data %s)\n", containerd->endpoint().c_str(),
            containerd->data_dir.c_str());
    return;
  }
  try {
    cri::Client client(containerd->endpoint(), std::chrono::seconds(30));
    for (const auto& sandbox : client.list_pod_sandbox()) {
      try {
        client.stop_pod_sandbox(sandbox.id());
        client.remove_pod_sandbox(sandbox.id());
      } catch (const std::exception&) {
      }
    }
  } catch (const std::exception&) {
  }
  containerd->supervisor->stop();
  // containerd leaves its snapshot and sandbox mounts behind; unmount before deleting.
  std::vector<std::string> mounts;
  std::ifstream in("/proc/self/mounts");
  std::string device, target, rest;
  while (in >> device >> target && std::getline(in, rest)) {
    if (target.rfind(containerd->data_dir, 0) == 0 || target.rfind(containerd->state_dir, 0) == 0) {
      mounts.push_back(target);
    }
  }
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) umount2(it->c_str(), MNT_DETACH);
  std::error_code ec;
  fs::remove_all(containerd->data_dir, ec);
  fs::remove_all(containerd->state_dir, ec);
  containerd.reset();
}

}  // namespace k3s::test_support
