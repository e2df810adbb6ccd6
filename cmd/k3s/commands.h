// Entry points of each subcommand: parse its flags, then hand over to its component.
#pragma once

#include <string>
#include <vector>

namespace k3s::cmd {

// Global options given before the command (`k3s --debug server`).
struct GlobalOptions {
  bool debug = false;
  std::string data_dir;
};

int run_server_command(const std::vector<std::string>& args, const GlobalOptions& global);
int run_agent_command(const std::vector<std::string>& args, const GlobalOptions& global);
int run_kine_command(const std::vector<std::string>& args, const GlobalOptions& global);
int run_kubectl_command(const std::vector<std::string>& args, const GlobalOptions& global);
int run_crictl_command(const std::vector<std::string>& args, const GlobalOptions& global);
int run_ctr_command(const std::vector<std::string>& args, const GlobalOptions& global);
int run_check_config_command(const std::vector<std::string>& args, const GlobalOptions& global);
int run_certificate_command(const std::vector<std::string>& args, const GlobalOptions& global);
int run_token_command(const std::vector<std::string>& args, const GlobalOptions& global);
// Prints the shell completion script covering `command_names`.
int run_completion(const std::vector<std::string>& args, const std::vector<std::string>& command_names);

}  // namespace k3s::cmd
