// The multicall entry point: dispatches on argv[1], or on the name the binary was started
// under (kubectl, crictl, ctr symlinks), to the k3s subcommands.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <spdlog/spdlog.h>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/config.h"
#include "cli/flags.h"
#include "commands.h"
#include "version.h"

namespace {

using k3s::cli::UsageError;

struct Command {
  std::string name;
  std::string usage;
  int (*run)(const std::vector<std::string>& args, const k3s::cmd::GlobalOptions& global);
  bool client = false;  // short-lived: ends through exit_client
};

// The short-lived client commands (kubectl, --version, help) end without running static
// destructors: exit() would call ~1,500 empty destructors of protobuf's default instances,
// spread over the binary's pages, about a tenth of the CPU of `k3s kubectl version --client`.
// Everything they print goes through stdio (std::cout is synced with it), flushed here.
[[noreturn]] void exit_client(int code) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(code);
}

int run(const Command& c, const std::vector<std::string>& args, const k3s::cmd::GlobalOptions& global) {
  const int code = c.run(args, global);
  if (c.client) exit_client(code);
  return code;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"server", "Run management server", k3s::cmd::run_server_command},
      {"agent", "Run node agent", k3s::cmd::run_agent_command},
      {"kine", "Run the datastore shim alone, serving the etcd v3 API", k3s::cmd::run_kine_command},
      {"kubectl", "Run kubectl", k3s::cmd::run_kubectl_command, true},
      {"crictl", "Run crictl", k3s::cmd::run_crictl_command},
      {"ctr", "Run ctr", k3s::cmd::run_ctr_command},
      {"check-config", "Run config check", k3s::cmd::run_check_config_command},
      {"token", "Manage tokens", k3s::cmd::run_token_command},
      {"certificate", "Manage K3s certificates", k3s::cmd::run_certificate_command},
      {"completion", "Install shell completion script",
       [](const std::vector<std::string>& args, const k3s::cmd::GlobalOptions&) {
         std::vector<std::string> names;
         for (const auto& c : commands()) names.push_back(c.name);
         return k3s::cmd::run_completion(args, names);
       }},
  };
  return table;
}

void print_version() {
  std::cout << "k3s version " << K3S_VERSION << " (" << K3S_GIT_COMMIT << ")\n"
            << "g++ version " << __VERSION__ << "\n";
}

void print_help() {
  std::cout << "NAME:\n   k3s - Kubernetes, but small and simple\n\n"
            << "USAGE:\n   k3s [global options] command [command options] [arguments...]\n\n"
            << "VERSION:\n   " << K3S_VERSION << " (" << K3S_GIT_COMMIT << ")\n\nCOMMANDS:\n";
  for (const auto& c : commands()) {
    std::cout << "   " << c.name << std::string(c.name.size() < 17 ? 17 - c.name.size() : 1, ' ') << c.usage << "\n";
  }
  std::cout << "   help, h          Shows a list of commands or help for one command\n\n"
            << "GLOBAL OPTIONS:\n"
            << "   --debug                     (logging) Turn on debug logs [$K3S_DEBUG]\n"
            << "   --data-dir value, -d value  (data) Folder to hold state default /var/lib/rancher/k3s or "
               "${HOME}/.rancher/k3s if not root [$K3S_DATA_DIR]\n"
            << "   --help, -h                  show help\n"
            << "   --version, -v               print the version\n";
}

int dispatch(std::vector<std::string> args) {
  k3s::cmd::GlobalOptions global;
  std::size_t i = 0;
  for (; i < args.size() && !args[i].empty() && args[i][0] == '-'; ++i) {
    const std::string& a = args[i];
    if (a == "--version" || a == "-v") {
      print_version();
      exit_client(0);
    }
    if (a == "--help" || a == "-h") {
      print_help();
      exit_client(0);
    }
    if (a == "--debug") {
      global.debug = true;
    } else if (a == "--data-dir" || a == "-d") {
      if (i + 1 >= args.size()) throw UsageError("flag needs an argument: " + a);
      global.data_dir = args[++i];
    } else if (a.rfind("--data-dir=", 0) == 0) {
      global.data_dir = a.substr(std::strlen("--data-dir="));
    } else {
      throw UsageError("flag provided but not defined: " + a);
    }
  }
  if (i >= args.size()) {
    print_help();
    return 0;
  }
  const std::string name = args[i];
  std::vector<std::string> rest(args.begin() + static_cast<long>(i) + 1, args.end());
  if (name == "help" || name == "h") {
    print_help();
    return 0;
  }
  for (const auto& c : commands()) {
    if (c.name == name) return run(c, rest, global);
  }
  throw UsageError("No help topic for '" + name + "'");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const std::string invoked_as = std::filesystem::path(argv[0]).filename().string();
  try {
    // Started through a symlink named after a subcommand: behave as that subcommand.
    for (const auto& c : commands()) {
      if (invoked_as == c.name && c.name != "server") {
        return run(c, args, k3s::cmd::GlobalOptions{});
      }
    }
    return dispatch(args);
  } catch (const UsageError& e) {
    std::cerr << "Error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "Error: " << e.what() << "\n";
    return 1;
  }
}
