#include "image_gc.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "object/image_reference.h"

namespace k3s::kubelet {

namespace v1 = cri::v1;

ImageGarbageCollector::ImageGarbageCollector(cri::Client& runtime, ImageGcPolicy policy, std::string sandbox_image)
    : runtime_(runtime), policy_(policy), sandbox_image_(std::move(sandbox_image)) {}

ImageFsUsage ImageGarbageCollector::image_fs_usage() {
  std::string mount_point;
  auto info = runtime_.image_fs_info();
  if (info.image_filesystems_size() > 0) mount_point = info.image_filesystems(0).fs_id().mountpoint();
  if (mount_point.empty()) throw std::runtime_error("the runtime reports no image file system");
  struct statvfs st {};
  if (::statvfs(mount_point.c_str(), &st) != 0) throw std::runtime_error("statvfs " + mount_point + " failed");
  return {static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize, static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize};
}

std::vector<std::string> ImageGarbageCollector::collect(std::chrono::steady_clock::time_point now) {
  if (policy_.high_threshold_percent >= 100) return {};
  return collect_with_usage(image_fs_usage(), now);
}

std::vector<std::string> ImageGarbageCollector::collect_with_usage(const ImageFsUsage& usage,
                                                                     std::chrono::steady_clock::time_point now) {
  // References as containers name them, and the sandbox image, which no container lists.
  std::set<std::string> in_use{object::normalize_image_name(sandbox_image_)};
  for (const auto& c : runtime_.list_containers()) {
    in_use.insert(c.image_ref());
    in_use.insert(c.image().image());
    in_use.insert(object::normalize_image_name(c.image().image()));
  }
  struct Candidate {
    std::string id;
    std::uint64_t size;
    std::chrono::steady_clock::time_point unused_since;
  };
  std::vector<Candidate> candidates;
  std::set<std::string> present;
  for (const auto& image : runtime_.list_images()) {
    present.insert(image.id());
    bool used = in_use.count(image.id()) > 0 || image.pinned();
    for (const auto& tag : image.repo_tags()) used |= in_use.count(object::normalize_image_name(tag)) > 0;
    for (const auto& digest : image.repo_digests()) used |= in_use.count(digest) > 0;
    if (used) {
      unused_since_.erase(image.id());
      continue;
    }
    auto [it, fresh] = unused_since_.emplace(image.id(), now);
    candidates.push_back({image.id(), image.size(), it->second});
  }
  for (auto it = unused_since_.begin(); it != unused_since_.end();)
    it = present.count(it->first) ? std::next(it) : unused_since_.erase(it);

  if (usage.capacity_bytes == 0) return {};
  const std::uint64_t used_bytes = usage.capacity_bytes - std::min(usage.available_bytes, usage.capacity_bytes);
  const auto percent = static_cast<int>(used_bytes * 100 / usage.capacity_bytes);
  if (percent < policy_.high_threshold_percent) return {};
  const std::uint64_t target = usage.capacity_bytes * static_cast<std::uint64_t>(policy_.low_threshold_percent) / 100;
  std::uint64_t to_free = used_bytes > target ? used_bytes - target : 0;
  if (candidates.empty()) return {};
  spdlog::info("kubelet: image file system is {}% full (high threshold {}%): freeing {} bytes", percent,
               policy_.high_threshold_percent, to_free);
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.unused_since < b.unused_since; });
  std::vector<std::string> removed;
  for (const auto& c : candidates) {
    if (to_free == 0) break;
    if (now - c.unused_since < policy_.minimum_age) continue;
    try {
      runtime_.remove_image(c.id);
      removed.push_back(c.id);
      unused_since_.erase(c.id);
      to_free = to_free > c.size ? to_free - c.size : 0;
      spdlog::info("kubelet: removed unused image {} ({} bytes)", c.id, c.size);
    } catch (const std::exception& e) {
      spdlog::warn("kubelet: image garbage collection could not remove {}: {}", c.id, e.what());
    }
  }
  return removed;
}

}  // namespace k3s::kubelet
