// Starting helper programs (containerd, ctr, decompressors) as child processes.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace k3s::agent {

// Absolute path of `name` found through $PATH (or `name` itself when it contains a '/');
// empty when there is none.
std::string find_executable(const std::string& name);

struct SpawnOptions {
  int stdin_fd = -1;   // -1: /dev/null
  int stdout_fd = -1;  // -1: inherit
  int stderr_fd = -1;  // -1: inherit
  bool own_process_group = false;  // so a terminal's Ctrl-C reaches only us, and we decide
  bool die_with_parent = false;    // SIGKILL if the spawning thread's process dies
};

// fork+exec; throws std::runtime_error when the program cannot be found or forked. An exec
// failure in the child exits it with status 127.
pid_t spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options);

// Waits for `pid` and returns its exit code (128+signal when killed).
int wait_process(pid_t pid);

}  // namespace k3s::agent
