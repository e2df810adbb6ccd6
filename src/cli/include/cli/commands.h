// The flag tables of each subcommand and the defaults that depend on the user (root or not).
#pragma once

#include <string>
#include <vector>

#include "cli/config.h"
#include "cli/flags.h"

namespace k3s::cli {

// /var/lib/rancher/k3s as root, ${HOME}/.rancher/k3s otherwise.
std::string default_data_dir();
// /etc/rancher/k3s/config.yaml as root, ${HOME}/.rancher/k3s/config.yaml otherwise.
std::string default_config_file();

std::vector<Flag> server_flags(ServerConfig& config);
std::vector<Flag> agent_flags(AgentConfig& config);
std::vector<Flag> kine_flags(KineConfig& config);

// Fills defaults that depend on other values (data dir, kubeconfig path, node name).
void finish_server_config(ServerConfig& config);
void finish_agent_config(AgentConfig& config);
void finish_kine_config(KineConfig& config);

}  // namespace k3s::cli
