#include "commands.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "agent/agent.h"
#include "cli/commands.h"
#include "cli/config.h"
#include "cli/flags.h"
#include "crictl/crictl.h"
#include "proto/register_descriptors.h"
#include "kine/server.h"
#include "kubectl/kubectl.h"
#include "server/server.h"

namespace k3s::cmd {
namespace {

// Parses a subcommand's flags; returns false when help was printed instead.
bool parse(const std::string& command, const std::string& usage, const std::vector<cli::Flag>& flags,
           const std::vector<std::string>& args, bool reads_config_file) {
  auto parsed = cli::apply_flags(command, flags, args, reads_config_file ? cli::default_config_file() : "");
  if (parsed.help_requested) {
    std::cout << cli::render_help("k3s " + command, usage, flags);
    return false;
  }
  if (!parsed.positional.empty()) {
    throw cli::UsageError("unexpected argument \"" + parsed.positional.front() + "\" for k3s " + command);
  }
  return true;
}

void apply_global(const GlobalOptions& global, cli::LogConfig& log, std::string& data_dir) {
  if (global.debug) log.debug = true;
  if (data_dir.empty() && !global.data_dir.empty()) data_dir = global.data_dir;
}

}  // namespace

int run_server_command(const std::vector<std::string>& args, const GlobalOptions& global) {
  cli::ServerConfig config;
  if (!parse("server", "Run management server", cli::server_flags(config), args, true)) return 0;
  apply_global(global, config.agent.log, config.agent.data_dir);
  cli::finish_server_config(config);
  cli::setup_logging(config.agent.log);
  proto::register_all_descriptors();
  return server::run_server(config);
}

int run_agent_command(const std::vector<std::string>& args, const GlobalOptions& global) {
  cli::AgentConfig config;
  if (!parse("agent", "Run node agent", cli::agent_flags(config), args, true)) return 0;
  apply_global(global, config.log, config.data_dir);
  cli::finish_agent_config(config);
  cli::setup_logging(config.log);
  // The agent speaks CRI and gRPC health to containerd and pods, and JSON to the API server:
  // it never needs the Kubernetes or etcd descriptors the server registers.
  proto::register_descriptors_under({"cri", "grpc"});
  return agent::run_agent(config);
}

int run_kine_command(const std::vector<std::string>& args, const GlobalOptions& global) {
  cli::KineConfig config;
  if (!parse("kine", "Run the datastore shim alone, serving the etcd v3 API", cli::kine_flags(config), args,
             false)) {
    return 0;
  }
  apply_global(global, config.log, config.data_dir);
  cli::finish_kine_config(config);
  cli::setup_logging(config.log);
  proto::register_all_descriptors();
  return kine::run_kine(config);
}

// The bundled kubectl; without KUBECONFIG or --kubeconfig it uses the server's admin
// kubeconfig when readable, as k3s does.
int run_kubectl_command(const std::vector<std::string>& args, const GlobalOptions&) {
  return kubectl::run_kubectl(args, {.fallback_kubeconfig = "/etc/rancher/k3s/k3s.yaml"});
}

int run_crictl_command(const std::vector<std::string>& args, const GlobalOptions&) {
  return crictl::run_crictl(args);
}

// containerd's own ctr, pointed at the k3s containerd socket unless told otherwise.
int run_ctr_command(const std::vector<std::string>& args, const GlobalOptions&) {
  std::vector<std::string> argv{"ctr"};
  if (!getenv("CONTAINERD_ADDRESS")) setenv("CONTAINERD_ADDRESS", "/run/k3s/containerd/containerd.sock", 1);
  if (!getenv("CONTAINERD_NAMESPACE")) setenv("CONTAINERD_NAMESPACE", "k8s.io", 1);
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargs;
  for (auto& a : argv) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  execvp("ctr", cargs.data());
  std::cerr << "Error: cannot run ctr (install containerd): " << strerror(errno) << "\n";
  return 1;
}

}  // namespace k3s::cmd
