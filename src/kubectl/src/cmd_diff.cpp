// diff -f: each manifest's live object and the object a server-side dry-run of its apply
// would leave, written as YAML into a LIVE-* and a MERGED-* temporary directory and compared
// by `diff -u -N` (or $KUBECTL_EXTERNAL_DIFF). Exit 0: no differences, 1: differences,
// above 1: an error (kubectl's convention, so scripts can tell them apart).
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include "commands.h"
#include "object/meta.h"
#include "object/yaml.h"

namespace k3s::kubectl {
namespace {

void add_diff_flags(Flags& flags) {
  add_file_flags(flags);
  flags.add("selector", 'l', true);
  flags.add("field-manager", 0, true, "kubectl-client-side-apply");
  flags.add("server-side", 0, false);
  flags.add("force-conflicts", 0, false);
  flags.add("show-managed-fields", 0, false);
  flags.add("concurrency", 0, true, "1");
  flags.add("prune", 0, false);
  flags.add("prune-allowlist", 0, true);
}

// A fresh directory named as Go's os.MkdirTemp names them ("LIVE-2824837383").
std::filesystem::path make_temp_dir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::filesystem::path base = tmp && *tmp ? tmp : "/tmp";
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto dir = base / (prefix + std::to_string(rd()));
    if (::mkdir(dir.c_str(), 0700) == 0) return dir;
    if (errno != EEXIST) break;
  }
  throw CommandError("mkdir " + (base / prefix).string() + ": cannot create temporary directory");
}

// "apps.v1.Deployment.ns.name", as kubectl names the compared files.
std::string file_name(const client::ResourceInfo& info, const std::string& ns, const std::string& name) {
  std::string gv = info.gvr.api_version();
  for (auto& c : gv) {
    if (c == '/') c = '.';
  }
  return gv + "." + info.kind + "." + ns + "." + name;
}

// Secret values never reach the diff: "***" where both sides agree, "*** (before)" and
// "*** (after)" where they differ.
void mask_secrets(Json& live, Json& merged) {
  auto data_of = [](Json& o) -> Json* {
    if (!o.is_object() || !o.contains("data") || !o["data"].is_object()) return nullptr;
    return &o["data"];
  };
  Json* before = data_of(live);
  Json* after = data_of(merged);
  if (before) {
    for (auto& [k, v] : before->items()) {
      bool changed = after && after->contains(k) && (*after)[k] != v;
      v = changed ? "*** (before)" : "***";
    }
  }
  if (after) {
    for (auto& [k, v] : after->items()) {
      bool changed = before && before->contains(k) && (*before)[k] == "*** (before)";
      v = changed ? "*** (after)" : "***";
    }
  }
}

void write_object(const std::filesystem::path& file, Json object, bool managed_fields, bool masked) {
  std::ofstream out(file);
  // Absent on one side: an empty file, as diff -N expects; kubectl's secret masker writes
  // its absent object as null.
  if (object.is_null()) {
    if (masked) out << "null\n";
    return;
  }
  if (!managed_fields && object.contains("metadata")) object["metadata"].erase("managedFields");
  out << object::to_yaml(object);
}

// The diff program and its arguments: $KUBECTL_EXTERNAL_DIFF split on blanks, else diff -u -N.
std::vector<std::string> diff_command() {
  std::vector<std::string> argv;
  const char* external = std::getenv("KUBECTL_EXTERNAL_DIFF");
  std::string text = external && *external ? external : "diff -u -N";
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    std::size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (i > start) argv.push_back(text.substr(start, i - start));
  }
  return argv;
}

int run_program(std::vector<std::string> argv) {
  std::vector<char*> cargs;
  for (auto& a : argv) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  std::cout.flush();
  pid_t pid = ::fork();
  if (pid < 0) throw CommandError("failed to run \"" + argv[0] + "\"");
  if (pid == 0) {
    ::execvp(cargs[0], cargs.data());
    std::cerr << "error: failed to run \"" << argv[0] << "\": executable file not found in $PATH\n";
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int diff_manifests(Session& session) {
  const Flags& f = session.flags();
  if (f.boolean("server-side")) throw CommandError("--server-side is not supported by this kubectl yet");
  auto manifests = read_manifests(f);
  if (manifests.empty()) throw CommandError("no objects passed to diff");
  auto live_dir = make_temp_dir("LIVE-");
  auto merged_dir = make_temp_dir("MERGED-");
  struct Cleanup {
    std::filesystem::path a, b;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(a, ec);
      std::filesystem::remove_all(b, ec);
    }
  } cleanup{live_dir, merged_dir};
  bool managed = f.boolean("show-managed-fields");
  for (const auto& m : manifests) {
    AppliedObject merged = apply_manifest(session, m, "server", false);
    const std::string ns = object::namespace_of(merged.object), name = object::name_of(merged.object);
    Json live;
    try {
      live = session.api().get(merged.info.gvr, merged.info.namespaced ? ns : "", name);
    } catch (const client::ApiError& e) {
      if (!e.is_not_found()) throw;
    }
    std::string file = file_name(merged.info, ns, name);
    bool secret = merged.info.gvr == client::resources::kSecrets;
    if (secret) mask_secrets(live, merged.object);
    write_object(live_dir / file, live, managed, secret);
    write_object(merged_dir / file, merged.object, managed, secret);
  }
  auto argv = diff_command();
  argv.push_back(live_dir.string());
  argv.push_back(merged_dir.string());
  return run_program(argv);
}

int run_diff(Session& session) {
  try {
    return diff_manifests(session);
  } catch (const std::exception& e) {
    // Errors must not read as "differences found" (1).
    int code = report_error(e, std::cerr);
    return code == 1 ? 2 : code;
  }
}

}  // namespace

std::vector<CommandDef> diff_commands() { return {{"diff", add_diff_flags, run_diff}}; }

}  // namespace k3s::kubectl
