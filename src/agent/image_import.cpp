#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "agent/images.h"
#include "child_process.h"

namespace fs = std::filesystem;

namespace k3s::agent {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string socket_path(const std::string& endpoint) {
  if (endpoint.rfind("unix://", 0) == 0) return endpoint.substr(7);
  if (endpoint.rfind("unix:", 0) == 0) return endpoint.substr(5);
  return endpoint;
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  return out;
}

}  // namespace

bool is_airgap_image_file(const std::string& file_name) {
  return ends_with(file_name, ".tar") || ends_with(file_name, ".tar.gz") || ends_with(file_name, ".tgz") ||
         ends_with(file_name, ".tar.zst");
}

AirgapImageImporter::AirgapImageImporter(std::string images_dir, std::string containerd_socket,
                                         std::string snapshotter, std::string ctr_binary)
    : images_dir_(std::move(images_dir)),
      socket_(socket_path(containerd_socket)),
      snapshotter_(std::move(snapshotter)),
      ctr_binary_(std::move(ctr_binary)) {}

AirgapImageImporter::~AirgapImageImporter() { stop(); }

ImageImportResult AirgapImageImporter::import_file(const std::string& path) {
  ImageImportResult result;
  result.file = path;
  // ctr reads an uncompressed tar stream; compressed archives are piped through their
  // decompressor so nothing is unpacked onto disk first.
  std::vector<std::string> decompress;
  if (ends_with(path, ".tar.gz") || ends_with(path, ".tgz")) decompress = {"gzip", "-dc", "--", path};
  if (ends_with(path, ".tar.zst")) decompress = {"zstd", "-dcq", "--", path};

  int output[2];
  if (pipe2(output, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + strerror(errno));
  int data[2] = {-1, -1};
  pid_t decompressor = -1;
  std::vector<std::string> ctr{ctr_binary_, "--address", socket_, "--namespace", "k8s.io", "images", "import"};
  if (!snapshotter_.empty()) ctr.insert(ctr.end(), {"--snapshotter", snapshotter_});
  try {
    SpawnOptions ctr_options;
    ctr_options.stdout_fd = output[1];
    ctr_options.stderr_fd = output[1];
    if (!decompress.empty()) {
      if (pipe2(data, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + strerror(errno));
      SpawnOptions decompress_options;
      decompress_options.stdout_fd = data[1];
      decompress_options.stderr_fd = output[1];
      decompressor = spawn_process(decompress, decompress_options);
      close(data[1]);
      data[1] = -1;
      ctr_options.stdin_fd = data[0];
      ctr.push_back("-");
    } else {
      ctr.push_back(path);
    }
    pid_t importer = spawn_process(ctr, ctr_options);
    if (data[0] >= 0) close(data[0]);
    data[0] = -1;
    close(output[1]);
    output[1] = -1;
    result.output = read_all(output[0]);
    close(output[0]);
    int ctr_code = wait_process(importer);
    int decompress_code = decompressor > 0 ? wait_process(decompressor) : 0;
    result.ok = ctr_code == 0 && decompress_code == 0;
    if (!result.ok && decompress_code != 0) {
      result.output += "\n" + decompress[0] + " exited with status " + std::to_string(decompress_code);
    }
  } catch (const std::exception& e) {
    for (int fd : {output[0], output[1], data[0], data[1]}) {
      if (fd >= 0) close(fd);
    }
    if (decompressor > 0) wait_process(decompressor);
    result.ok = false;
    result.output = e.what();
  }
  while (!result.output.empty() && result.output.back() == '\n') result.output.pop_back();
  return result;
}

std::vector<ImageImportResult> AirgapImageImporter::import_changed() {
  std::lock_guard lock(mutex_);
  std::vector<ImageImportResult> results;
  std::error_code ec;
  if (!fs::is_directory(images_dir_, ec)) return results;
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(images_dir_, ec)) {
    auto name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || !is_airgap_image_file(name)) continue;
    if (!entry.is_regular_file(ec)) continue;
    files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    struct stat st {};
    if (stat(file.c_str(), &st) != 0) continue;
    Stamp stamp{st.st_size, static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec};
    auto it = imported_.find(file);
    if (it != imported_.end() && it->second == stamp) continue;
    auto result = import_file(file);
    if (result.ok) {
      imported_[file] = stamp;
      spdlog::info("imported images from {}", file);
    } else {
      spdlog::error("importing images from {} failed: {}", file, result.output);
    }
    results.push_back(std::move(result));
  }
  return results;
}

void AirgapImageImporter::watch() {
  if (watcher_.joinable()) return;
  fs::create_directories(images_dir_);
  int inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify < 0) throw std::runtime_error(std::string("inotify_init1: ") + strerror(errno));
  if (inotify_add_watch(inotify, images_dir_.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_ATTRIB) < 0) {
    int err = errno;
    close(inotify);
    throw std::runtime_error("watching " + images_dir_ + ": " + strerror(err));
  }
  if (pipe2(stop_pipe_, O_CLOEXEC) != 0) {
    close(inotify);
    throw std::runtime_error(std::string("pipe: ") + strerror(errno));
  }
  int stop_fd = stop_pipe_[0];
  watcher_ = std::thread([this, inotify, stop_fd] {
    char events[4096];
    while (true) {
      pollfd fds[2] = {{inotify, POLLIN, 0}, {stop_fd, POLLIN, 0}};
      if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
      if (fds[1].revents) break;
      if (!(fds[0].revents & POLLIN)) continue;
      bool relevant = false;
      ssize_t n;
      while ((n = read(inotify, events, sizeof events)) > 0) {
        for (char* p = events; p < events + n;) {
          auto* event = reinterpret_cast<inotify_event*>(p);
          if (event->len && is_airgap_image_file(event->name)) relevant = true;
          p += sizeof(inotify_event) + event->len;
        }
      }
      if (relevant) import_changed();
    }
    close(inotify);
  });
}

void AirgapImageImporter::stop() {
  if (stop_pipe_[1] >= 0) {
    (void)!write(stop_pipe_[1], "x", 1);
  }
  if (watcher_.joinable()) watcher_.join();
  for (int& fd : stop_pipe_) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

}  // namespace k3s::agent
