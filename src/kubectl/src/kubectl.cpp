#include "kubectl/kubectl.h"

#include <iostream>
#include <set>

#include "commands.h"
#include "flags.h"
#include "session.h"

namespace k3s::kubectl {

const std::vector<CommandDef>& all_commands() {
  static const std::vector<CommandDef> table = [] {
    std::vector<CommandDef> all;
    for (auto group : {get_commands, apply_commands, modify_commands, create_commands, config_commands, info_commands,
                       edit_commands, ops_commands, describe_commands, set_commands, run_commands, expose_commands,
                       exec_commands, port_forward_commands, cp_commands, drain_commands, top_commands, diff_commands,
                       completion_commands, certificate_commands, explain_commands}) {
      auto defs = group();
      all.insert(all.end(), defs.begin(), defs.end());
    }
    return all;
  }();
  return table;
}

namespace {

// Global flags that take a value in the next argument (to find the command words).
bool global_takes_value(const std::string& arg) {
  static const std::set<std::string> names = {"--kubeconfig", "--context", "--cluster", "--user", "-n", "--namespace",
                                              "-s", "--server", "--token", "--username", "--password",
                                              "--client-certificate", "--client-key", "--certificate-authority",
                                              "--tls-server-name", "--request-timeout", "-v", "--v", "--cache-dir",
                                              "--as", "--as-group", "--as-uid", "--profile", "--profile-output"};
  return names.count(arg) > 0;
}

// Indexes of the leading non-flag words.
std::vector<std::size_t> word_positions(const std::vector<std::string>& args, std::size_t limit) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < args.size() && out.size() < limit; ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (!a.empty() && a[0] == '-' && a != "-") {
      if (global_takes_value(a)) ++i;
      continue;
    }
    out.push_back(i);
  }
  return out;
}

void print_usage(std::ostream& out) {
  out << "kubectl controls the Kubernetes cluster manager.\n\n"
         " Find more information at: https://kubernetes.io/docs/reference/kubectl/\n\nCommands:\n";
  std::set<std::string> seen;
  for (const auto& c : all_commands()) {
    std::string top = c.path.substr(0, c.path.find(' '));
    if (seen.insert(top).second) out << "  " << top << "\n";
  }
  out << "\nUsage:\n  kubectl [flags] [options]\n";
}

}  // namespace

int run_kubectl(const std::vector<std::string>& args, const Invocation& invocation) {
  std::cout.setf(std::ios::unitbuf, std::ios::unitbuf);
  // The longest command path matching the leading words.
  auto words = word_positions(args, 3);
  const CommandDef* command = nullptr;
  std::size_t used_words = 0;
  for (const auto& c : all_commands()) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= c.path.size()) {
      auto sp = c.path.find(' ', start);
      if (sp == std::string::npos) sp = c.path.size();
      parts.push_back(c.path.substr(start, sp - start));
      start = sp + 1;
    }
    if (parts.size() > words.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (args[words[i]] != parts[i]) match = false;
    }
    if (match && parts.size() > used_words) {
      command = &c;
      used_words = parts.size();
    }
  }
  if (!command) {
    if (words.empty()) {
      print_usage(std::cout);
      return 0;
    }
    const std::string& name = args[words[0]];
    // A command group without a (known) subcommand.
    for (const auto& c : all_commands()) {
      if (c.path.rfind(name + " ", 0) == 0) {
        if (words.size() > 1) {
          std::cerr << "error: unknown command \"" << args[words[1]] << "\" for \"kubectl " << name << "\"\n";
          return 1;
        }
        std::cerr << "error: unknown command \"" << name << "\" for \"kubectl\"\n";
        return 1;
      }
    }
    std::cerr << "error: unknown command \"" << name << "\" for \"kubectl\"\n";
    return 1;
  }
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool is_word = false;
    for (std::size_t w = 0; w < used_words; ++w) is_word = is_word || words[w] == i;
    if (!is_word) rest.push_back(args[i]);
  }
  Flags flags;
  add_global_flags(flags);
  if (command->add_flags) command->add_flags(flags);
  std::string path = "kubectl " + command->path;
  try {
    flags.parse(rest);
  } catch (const UsageError& e) {
    std::cerr << "error: " << e.what() << "\nSee '" << path << " --help' for usage.\n";
    return 1;
  }
  if (flags.boolean("help")) {
    std::cout << "Usage:\n  " << path << " [options]\n";
    return 0;
  }
  Session session(flags, invocation.fallback_kubeconfig, path);
  try {
    return command->run(session);
  } catch (const client::TransportError& e) {
    std::string server;
    try {
      server = session.rest_config().server;
    } catch (...) {
    }
    std::cerr << transport_error_text(server, e.what()) << "\n";
    return 1;
  } catch (const UsageError& e) {
    std::cerr << "error: " << e.what() << "\nSee '" << path << " -h' for help and examples\n";
    return 1;
  } catch (const std::exception& e) {
    return report_error(e, std::cerr);
  }
}

}  // namespace k3s::kubectl
