// Test harness shared by the agent, CRI and crictl tests: a real containerd started by the
// agent's supervisor in a throw-away data dir, on a test-only socket, with the project's
// own images (scripts/build-images.sh) imported through the airgap path.
#pragma once

#include <memory>
#include <string>

#include "agent/containerd.h"
#include "agent/images.h"

namespace k3s::test_support {

struct TestContainerd {
  std::string data_dir;   // /tmp/k3s-cri-XXXXXX
  std::string state_dir;  // /run/k3s-test-<pid>-<n> (short: unix socket paths are limited)
  agent::ContainerdOptions options;
  std::unique_ptr<agent::ContainerdSupervisor> supervisor;

  std::string endpoint() const { return supervisor->endpoint(); }
  std::string socket() const { return supervisor->paths().socket; }
};

// Directory holding pause.tar, busybox.tar and k3s-airgap-images-amd64.tar(.gz/.zst),
// built by the k3s_test_images target (K3S_TEST_IMAGES_DIR).
std::string test_images_dir();

inline constexpr const char* kPauseImage = "docker.io/rancher/mirrored-pause:3.6";
inline constexpr const char* kBusyboxImage = "k3s.local/busybox:test";

// Starts containerd (throws with containerd.log's tail if it does not come up). With
// `import_images`, copies the airgap archive into <data-dir>/agent/images and imports it.
std::unique_ptr<TestContainerd> start_test_containerd(bool import_images = true);

// Stops containerd, removes every sandbox it ran (so no shim outlives the test) and the dirs.
void stop_test_containerd(std::unique_ptr<TestContainerd>& containerd);

}  // namespace k3s::test_support
