#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "agent/containerd.h"
#include "child_process.h"
#include "cri/cri.h"

namespace fs = std::filesystem;

namespace k3s::agent {
namespace {

constexpr auto kFirstBackoff = std::chrono::seconds(1);
constexpr auto kMaxBackoff = std::chrono::seconds(30);
// A run this long counts as healthy, so the next crash restarts quickly again.
constexpr auto kHealthyRun = std::chrono::minutes(1);

std::string log_tail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& l : tail) out += "  " + l + "\n";
  return out;
}

}  // namespace

ContainerdSupervisor::ContainerdSupervisor(ContainerdOptions options)
    : options_(std::move(options)), paths_(containerd_paths(options_)) {}

ContainerdSupervisor::~ContainerdSupervisor() { stop(); }

std::string ContainerdSupervisor::endpoint() const { return "unix://" + paths_.socket; }

pid_t ContainerdSupervisor::spawn() {
  int log_fd = open(paths_.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) throw std::runtime_error(paths_.log_file + ": " + strerror(errno));
  std::vector<std::string> argv{options_.containerd_binary, "--config", paths_.config_file,
                                "--address", paths_.socket, "--root", paths_.root_dir,
                                "--state", paths_.state_dir};
  if (options_.debug) argv.insert(argv.end(), {"--log-level", "debug"});
  SpawnOptions spawn_options;
  spawn_options.stdout_fd = log_fd;
  spawn_options.stderr_fd = log_fd;
  spawn_options.own_process_group = true;
  spawn_options.die_with_parent = true;
  pid_t pid;
  try {
    pid = spawn_process(argv, spawn_options);
  } catch (...) {
    close(log_fd);
    throw;
  }
  close(log_fd);
  return pid;
}

void ContainerdSupervisor::supervise() {
  auto backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstBackoff);
  while (true) {
    auto started = std::chrono::steady_clock::now();
    pid_t pid = 0;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      try {
        pid = spawn();
        pid_ = pid;
        spdlog::info("containerd started (pid {}), logging to {}", pid, paths_.log_file);
      } catch (const std::exception& e) {
        spawn_error_ = e.what();
        spdlog::error("cannot start containerd: {}", e.what());
      }
    }
    if (pid > 0) {
      int code = wait_process(pid);
      pid_ = 0;
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      spdlog::warn("containerd (pid {}) exited with status {}; see {}", pid, code, paths_.log_file);
    }
    if (std::chrono::steady_clock::now() - started >= kHealthyRun) backoff = kFirstBackoff;
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, backoff, [this] { return stopping_; })) return;
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
    ++restarts_;
  }
}

void ContainerdSupervisor::start(std::chrono::milliseconds ready_timeout) {
  if (thread_.joinable()) throw std::logic_error("containerd supervisor already started");
  write_containerd_config(options_);
  fs::create_directories(paths_.state_dir);
  fs::create_directories(fs::path(paths_.socket).parent_path());
  fs::create_directories(fs::path(paths_.log_file).parent_path());
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  // containerd is spawned from this thread so that its parent-death signal is tied to the
  // supervisor's lifetime, not to whichever thread happened to call start().
  thread_ = std::thread([this] { supervise(); });

  cri::Client client(endpoint());
  if (client.wait_until_ready(ready_timeout)) return;
  std::string why;
  {
    std::lock_guard lock(mutex_);
    why = spawn_error_;
  }
  stop();
  throw std::runtime_error("containerd did not answer on " + endpoint() + " within " +
                           std::to_string(ready_timeout.count()) + " ms" + (why.empty() ? "" : ": " + why) +
                           "\nlast lines of " + paths_.log_file + ":\n" + log_tail(paths_.log_file, 15));
}

void ContainerdSupervisor::stop(std::chrono::milliseconds grace) {
  pid_t pid;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    pid = pid_;
  }
  wake_.notify_all();
  if (pid > 0) {
    kill(pid, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (pid_.load() == pid && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pid_.load() == pid) kill(pid, SIGKILL);
  }
  if (thread_.joinable()) thread_.join();
}

RuntimeEndpoint start_container_runtime(const ContainerdOptions& options,
                                        const std::string& container_runtime_endpoint,
                                        std::chrono::milliseconds ready_timeout) {
  RuntimeEndpoint runtime;
  if (!container_runtime_endpoint.empty()) {
    runtime.endpoint = cri::normalize_endpoint(container_runtime_endpoint);
    cri::Client client(runtime.endpoint);
    if (!client.wait_until_ready(ready_timeout)) {
      try {
        client.version(std::chrono::seconds(5));
      } catch (const cri::Error& e) {
        throw std::runtime_error("container runtime " + runtime.endpoint + " does not answer: " + e.what());
      }
    }
    spdlog::info("using existing container runtime at {}", runtime.endpoint);
    return runtime;
  }
  runtime.supervisor = std::make_unique<ContainerdSupervisor>(options);
  runtime.supervisor->start(ready_timeout);
  runtime.endpoint = runtime.supervisor->endpoint();
  return runtime;
}

}  // namespace k3s::agent
