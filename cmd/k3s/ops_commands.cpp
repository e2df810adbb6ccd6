// The operator subcommands: check-config, certificate, token, completion.
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/config.h"
#include "cli/flags.h"
#include "commands.h"
#include "ops/ops.h"

namespace k3s::cmd {

namespace {

std::string data_dir_of(const GlobalOptions& global) {
  return global.data_dir.empty() ? cli::default_data_dir() : global.data_dir;
}

std::vector<std::string> flag_words(const std::vector<cli::Flag>& flags) {
  std::vector<std::string> words;
  for (const auto& f : flags) {
    if (f.hidden) continue;
    words.push_back("--" + f.name);
    for (const auto& a : f.aliases) words.push_back((a.size() == 1 ? "-" : "--") + a);
  }
  return words;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace

int run_check_config_command(const std::vector<std::string>& args, const GlobalOptions&) {
  return ops::run_check_config(args);
}

int run_certificate_command(const std::vector<std::string>& args, const GlobalOptions& global) {
  return ops::run_certificate(args, data_dir_of(global));
}

int run_token_command(const std::vector<std::string>& args, const GlobalOptions& global) {
  return ops::run_token(args, data_dir_of(global));
}

int run_completion(const std::vector<std::string>& args, const std::vector<std::string>& command_names) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << "NAME:\n   k3s completion - Install shell completion script\n\nUSAGE:\n"
                 "   k3s completion [command options] bash|zsh\n\n"
                 "   Prints the script; load it with: source <(k3s completion bash)\n";
    return args.empty() ? 1 : 0;
  }
  const std::string& shell = args[0];
  if (shell != "bash" && shell != "zsh") throw cli::UsageError("unknown shell " + shell + " (bash or zsh)");
  cli::ServerConfig server;
  cli::AgentConfig agent;
  const std::string server_words = join(flag_words(cli::server_flags(server)));
  const std::string agent_words = join(flag_words(cli::agent_flags(agent)));
  // One bash function serves both shells: zsh loads it through bashcompinit.
  std::string script;
  if (shell == "zsh") script += "#compdef k3s\nautoload -U +X bashcompinit && bashcompinit\n";
  script += "_k3s_completion() {\n"
            "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" cmd=\"${COMP_WORDS[1]}\"\n"
            "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
            "    COMPREPLY=($(compgen -W \"" + join(command_names) + " --debug --data-dir --help --version\" -- \"$cur\"))\n"
            "    return\n"
            "  fi\n"
            "  case \"$cmd\" in\n"
            "    server) COMPREPLY=($(compgen -W \"" + server_words + "\" -- \"$cur\")) ;;\n"
            "    agent) COMPREPLY=($(compgen -W \"" + agent_words + "\" -- \"$cur\")) ;;\n"
            "    token) COMPREPLY=($(compgen -W \"create delete generate list --data-dir --kubeconfig --server "
            "--description --groups --ttl --usages\" -- \"$cur\")) ;;\n"
            "    certificate) COMPREPLY=($(compgen -W \"check rotate --data-dir --service --output\" -- \"$cur\")) ;;\n"
            "    completion) COMPREPLY=($(compgen -W \"bash zsh\" -- \"$cur\")) ;;\n"
            "    *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
            "  esac\n"
            "}\n"
            "complete -o default -F _k3s_completion k3s\n";
  std::cout << script;
  return 0;
}

}  // namespace k3s::cmd
