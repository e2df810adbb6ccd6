// cp: files into and out of containers as tar streams through exec (so the container needs
// tar, as with kubectl).
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "commands.h"
#include "http/message.h"
#include "object/meta.h"
#include "pods.h"
#include "streaming/remote_command.h"
#include "tar_archive.h"

namespace k3s::kubectl {
namespace {

namespace fs = std::filesystem;

void add_cp_flags(Flags& flags) {
  flags.add("container", 'c', true);
  flags.add("no-preserve", 0, false);
  flags.add("retries", 0, true, "0");
}

// "[namespace/]pod:path", or a local path.
struct FileSpec {
  std::string ns, pod, path;
  bool remote() const { return !pod.empty(); }
};

FileSpec parse_spec(const std::string& text, const std::string& default_ns) {
  auto colon = text.find(':');
  if (colon == std::string::npos) return {"", "", text};
  if (colon == 0) throw CommandError("filespec must match the canonical format: [[namespace/]pod:]file/path");
  std::string pod_part = text.substr(0, colon);
  FileSpec spec{default_ns, pod_part, text.substr(colon + 1)};
  if (auto slash = pod_part.find('/'); slash != std::string::npos) {
    if (pod_part.find('/', slash + 1) != std::string::npos)
      throw CommandError("filespec must match the canonical format: [[namespace/]pod:]file/path");
    spec.ns = pod_part.substr(0, slash);
    spec.pod = pod_part.substr(slash + 1);
  }
  return spec;
}

// Runs a command in the container with optional stdin bytes; returns its exit code.
int exec_in(Session& session, const FileSpec& where, const std::string& container, const std::vector<std::string>& command,
            const std::string* input, const streaming::Sink& out, const streaming::Sink& err) {
  std::string query = "?container=" + http::percent_encode(container);
  for (const auto& word : command) query += "&command=" + http::percent_encode(word);
  if (input) query += "&stdin=true";
  query += "&stdout=true&stderr=true";
  const std::string path = client::resource_path(client::resources::kPods, where.ns, where.pod, "exec") + query;
  streaming::RemoteCommand stream(stream_upgrader(session, path), {input != nullptr, true, true, false});
  int pipe_fds[2] = {-1, -1};
  std::thread writer;
  if (input) {
    if (::pipe(pipe_fds) != 0) throw CommandError("pipe failed");
    writer = std::thread([fd = pipe_fds[1], input] {
      std::size_t done = 0;
      while (done < input->size()) {
        ssize_t n = ::write(fd, input->data() + done, input->size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      ::close(fd);
    });
  }
  streaming::RemoteCommandStreams streams{input ? pipe_fds[0] : -1, out, err};
  int code = -1;
  try {
    code = stream.run(streams);
  } catch (...) {
    if (writer.joinable()) {
      ::close(pipe_fds[0]);
      writer.join();
    }
    throw;
  }
  if (writer.joinable()) {
    ::close(pipe_fds[0]);
    writer.join();
  }
  return code;
}

int copy_to_pod(Session& session, const std::string& local, FileSpec dest, const std::string& container) {
  if (!fs::exists(fs::symlink_status(local))) throw CommandError(local + " doesn't exist in local filesystem");
  auto err = [](std::string_view d) { std::cerr.write(d.data(), static_cast<std::streamsize>(d.size())); };
  std::string dest_path = dest.path;
  while (dest_path.size() > 1 && dest_path.back() == '/') dest_path.pop_back();
  if (dest_path.empty()) dest_path = ".";
  // Into an existing directory: the source keeps its name there.
  if (exec_in(session, dest, container, {"test", "-d", dest_path}, nullptr, nullptr, nullptr) == 0)
    dest_path = (fs::path(dest_path) / fs::path(local).lexically_normal().filename()).string();
  fs::path target(dest_path);
  std::string archive;
  try {
    write_tar(local, target.filename().string(), archive);
  } catch (const std::exception& e) {
    throw CommandError(e.what());
  }
  std::string dir = target.parent_path().string();
  if (dir.empty()) dir = ".";
  // tar reads to the end of its input: the end of the archive closes the container's stdin.
  std::vector<std::string> command = {"tar", "-xmf", "-", "-C", dir};
  int code = exec_in(session, dest, container, command, &archive, err, err);
  if (code != 0) throw ExitError("command terminated with exit code " + std::to_string(code), code);
  return 0;
}

int copy_from_pod(Session& session, const FileSpec& source, const std::string& local, const std::string& container) {
  std::string src = source.path;
  while (src.size() > 1 && src.back() == '/') src.pop_back();
  // Members come as the path without its leading '/'; they land under `local`.
  std::string prefix = src;
  while (!prefix.empty() && prefix.front() == '/') prefix.erase(0, 1);
  const fs::path dest = fs::path(local);
  TarExtractor extractor([&](const std::string& member) -> std::optional<fs::path> {
    std::string name = member;
    while (!name.empty() && name.back() == '/') name.pop_back();
    std::string rest;
    if (name == prefix) rest = "";
    else if (name.rfind(prefix + "/", 0) == 0) rest = name.substr(prefix.size() + 1);
    else return std::nullopt;
    fs::path where = rest.empty() ? dest : dest / rest;
    // Members that climb out of the destination are dropped, as kubectl does.
    auto relative = where.lexically_normal().lexically_relative(dest.lexically_normal());
    if (!rest.empty() && (relative.empty() || *relative.begin() == "..")) {
      std::cerr << "warning: skipping " << member << ": it is outside the destination\n";
      return std::nullopt;
    }
    return where;
  });
  std::string failure;
  auto out = [&](std::string_view data) {
    if (!failure.empty()) return;
    try {
      extractor.feed(data);
    } catch (const std::exception& e) {
      failure = e.what();
    }
  };
  auto err = [](std::string_view d) { std::cerr.write(d.data(), static_cast<std::streamsize>(d.size())); };
  int code = exec_in(session, source, container, {"tar", "cf", "-", src}, nullptr, out, err);
  if (!failure.empty()) throw CommandError(failure);
  if (code != 0) throw ExitError("command terminated with exit code " + std::to_string(code), code);
  return 0;
}

int run_cp(Session& session) {
  const Flags& f = session.flags();
  const auto& args = f.positional();
  if (args.size() != 2) throw UsageError("source and destination are required");
  const std::string ns = session.namespace_();
  FileSpec from = parse_spec(args[0], ns), to = parse_spec(args[1], ns);
  if (from.remote() && to.remote())
    throw CommandError("one of src or dest must be a local file specification");
  if (!from.remote() && !to.remote())
    throw CommandError("one of src or dest must be a remote file specification");
  const FileSpec& remote = from.remote() ? from : to;
  if (remote.path.empty()) throw CommandError("filepath can not be empty");
  Json pod = session.api().get(client::resources::kPods, remote.ns, remote.pod);
  std::string container = container_for(pod, f.str("container"), std::cerr);
  return from.remote() ? copy_from_pod(session, from, to.path, container) : copy_to_pod(session, from.path, to, container);
}

}  // namespace

std::vector<CommandDef> cp_commands() { return {{"cp", add_cp_flags, run_cp}}; }

}  // namespace k3s::kubectl
