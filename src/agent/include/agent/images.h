// Airgap images: every *.tar, *.tar.gz, *.tar.zst in <data-dir>/agent/images/ is imported
// into containerd's k8s.io namespace, at start and again whenever a file is added or changes.
// The import runs containerd's own `ctr images import` against the agent's socket.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace k3s::agent {

bool is_airgap_image_file(const std::string& file_name);

struct ImageImportResult {
  std::string file;
  bool ok = false;
  std::string output;  // ctr's combined output (the imported names, or its error)
};

class AirgapImageImporter {
 public:
  // `containerd_socket` is a path or unix:// URL; `snapshotter` is where layers are unpacked.
  AirgapImageImporter(std::string images_dir, std::string containerd_socket, std::string snapshotter = "overlayfs",
                      std::string ctr_binary = "ctr");
  ~AirgapImageImporter();
  AirgapImageImporter(const AirgapImageImporter&) = delete;
  AirgapImageImporter& operator=(const AirgapImageImporter&) = delete;

  // Imports files that are new or whose size or mtime changed since they were last imported
  // successfully. A missing directory is not an error.
  std::vector<ImageImportResult> import_changed();

  // Imports one archive now, whatever its state.
  ImageImportResult import_file(const std::string& path);

  // Starts an inotify watch on the directory (created if missing) that calls import_changed()
  // when files are written or moved in. Idle costs nothing: the thread sleeps in poll().
  void watch();
  void stop();

 private:
  struct Stamp {
    off_t size = 0;
    long long mtime_ns = 0;
    bool operator==(const Stamp&) const = default;
  };

  std::string images_dir_;
  std::string socket_;
  std::string snapshotter_;
  std::string ctr_binary_;
  std::mutex mutex_;  // one import pass at a time
  std::map<std::string, Stamp> imported_;
  std::thread watcher_;
  int stop_pipe_[2] = {-1, -1};
};

}  // namespace k3s::agent
