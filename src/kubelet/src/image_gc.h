// Image garbage collection as the kubelet does it: when the image file system is fuller
// than image-gc-high-threshold percent, the images no container uses — oldest unused first,
// each unused for at least image-minimum-gc-age, never the sandbox (pause) image or a pinned
// one — are removed until usage is back under image-gc-low-threshold.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cri/cri.h"

namespace k3s::kubelet {

struct ImageGcPolicy {
  int high_threshold_percent = 85;  // 100 disables collection
  int low_threshold_percent = 80;
  std::chrono::seconds minimum_age{120};
};

struct ImageFsUsage {
  std::uint64_t capacity_bytes = 0;
  std::uint64_t available_bytes = 0;
};

class ImageGarbageCollector {
 public:
  ImageGarbageCollector(cri::Client& runtime, ImageGcPolicy policy, std::string sandbox_image);

  // One pass; returns the ids of the images it removed. `usage` is the image file system
  // as seen now (statvfs of the runtime's image mount point when not given).
  std::vector<std::string> collect(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
  std::vector<std::string> collect_with_usage(const ImageFsUsage& usage, std::chrono::steady_clock::time_point now);

 private:
  ImageFsUsage image_fs_usage();

  cri::Client& runtime_;
  ImageGcPolicy policy_;
  std::string sandbox_image_;
  // Image id → when it was first seen unused (forgotten when in use again).
  std::map<std::string, std::chrono::steady_clock::time_point> unused_since_;
};

}  // namespace k3s::kubelet
