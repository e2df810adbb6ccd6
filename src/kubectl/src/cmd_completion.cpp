// completion bash|zsh: a shell completion script generated from this kubectl's own command
// table (commands, subcommands, each command's flags), completing resource types and object
// names by asking kubectl itself (api-resources, get -o name). Not cobra's script: ours is
// small and self-contained; zsh loads it through bashcompinit.
#include <iostream>
#include <map>
#include <set>

#include "commands.h"

namespace k3s::kubectl {
namespace {

// Commands whose first argument is a resource type and whose next ones are its objects.
constexpr const char* kTypedCommands =
    "get|describe|delete|edit|label|annotate|patch|scale|explain|wait|autoscale|expose";
// Commands that take node names.
constexpr const char* kNodeCommands = "cordon|uncordon|drain|taint|top\\ node|top\\ nodes";

std::string script_body() {
  // Subcommands by parent path ("" is the top level), flags by command path.
  std::map<std::string, std::set<std::string>> children;
  std::map<std::string, std::set<std::string>> flags_of;
  for (const auto& c : all_commands()) {
    std::string parent;
    std::size_t start = 0;
    for (;;) {
      auto sp = c.path.find(' ', start);
      std::string word = c.path.substr(start, sp == std::string::npos ? std::string::npos : sp - start);
      children[parent].insert(word);
      if (sp == std::string::npos) break;
      parent = c.path.substr(0, sp);
      start = sp + 1;
    }
    Flags flags;
    add_global_flags(flags);
    if (c.add_flags) c.add_flags(flags);
    for (const auto& n : flags.long_names()) flags_of[c.path].insert("--" + n);
  }
  children[""].insert("completion");
  auto join = [](const std::set<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : " ") + i;
    return out;
  };
  std::string s;
  s += "# kubectl completion (k3s kubectl): commands, flags, resource types and names.\n";
  s += "__kubectl_subcommands() {\n  case \"$1\" in\n";
  for (const auto& [parent, kids] : children) s += "    \"" + parent + "\") echo \"" + join(kids) + "\" ;;\n";
  s += "  esac\n}\n";
  s += "__kubectl_flags() {\n  case \"$1\" in\n";
  for (const auto& [path, names] : flags_of) s += "    \"" + path + "\") echo \"" + join(names) + "\" ;;\n";
  s += "  esac\n}\n";
  s += R"SH(__kubectl_global_args() {
  # The flags that choose the cluster, passed on to the kubectl calls that list names.
  local i w out=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    case "$w" in
      --kubeconfig|--context|--cluster|--user|-s|--server|-n|--namespace)
        ((i + 1 < COMP_CWORD)) && out+=("$w" "${COMP_WORDS[i+1]}"); ((i++)) ;;
      --kubeconfig=*|--context=*|--cluster=*|--user=*|--server=*|--namespace=*|-A|--all-namespaces)
        out+=("$w") ;;
    esac
  done
  echo "${out[@]}"
}
__kubectl_names() {  # __kubectl_names TYPE: object names of TYPE, without the "type/" prefix
  local globals
  globals=$(__kubectl_global_args)
  ${COMP_WORDS[0]} $globals get "$1" -o name 2>/dev/null | sed 's|^.*/||'
}
__kubectl_complete() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local i w path="" args=() subs
  COMPREPLY=()
  # The value of a flag: namespaces for -n, files for -f, nothing guessed otherwise.
  case "$prev" in
    -n|--namespace) COMPREPLY=($(compgen -W "$(__kubectl_names namespaces)" -- "$cur")); return ;;
    -f|--filename|--kubeconfig) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --context) COMPREPLY=($(compgen -W "$(${COMP_WORDS[0]} config get-contexts -o name 2>/dev/null)" -- "$cur")); return ;;
  esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    case "$w" in
      --kubeconfig|--context|--cluster|--user|-s|--server|-n|--namespace|-o|--output|-l|--selector|-f|--filename|-c|--container)
        ((i++)); continue ;;
      -*) continue ;;
    esac
    subs=$(__kubectl_subcommands "$path")
    if [[ ${#args[@]} -eq 0 && " $subs " == *" $w "* ]]; then
      path=${path:+$path }$w
    else
      args+=("$w")
    fi
  done
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(__kubectl_flags "$path")" -- "$cur"))
    return
  fi
  subs=$(__kubectl_subcommands "$path")
  if [[ -n "$subs" && ${#args[@]} -eq 0 ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    [[ ${#COMPREPLY[@]} -gt 0 || -z "$path" ]] && return
  fi
  case "$path" in
)SH";
  s += std::string("    ") + kNodeCommands + ")\n";
  s += R"SH(      COMPREPLY=($(compgen -W "$(__kubectl_names nodes)" -- "$cur")) ;;
    completion)
      COMPREPLY=($(compgen -W "bash zsh" -- "$cur")) ;;
    logs|exec|attach|port-forward)
      COMPREPLY=($(compgen -W "$(__kubectl_names pods)" -- "$cur")) ;;
    rollout\ *)
      COMPREPLY=($(compgen -W "deployment daemonset statefulset" -- "$cur")) ;;
)SH";
  s += std::string("    ") + kTypedCommands + "|set\\ *)\n";
  s += R"SH(      if [[ ${#args[@]} -eq 0 ]]; then
        if [[ "$cur" == */* ]]; then
          local type=${cur%%/*}
          COMPREPLY=($(compgen -P "$type/" -W "$(__kubectl_names "$type")" -- "${cur#*/}"))
        else
          local globals
          globals=$(__kubectl_global_args)
          COMPREPLY=($(compgen -W "$(${COMP_WORDS[0]} $globals api-resources -o name 2>/dev/null)" -- "$cur"))
        fi
      else
        COMPREPLY=($(compgen -W "$(__kubectl_names "${args[0]}")" -- "$cur"))
      fi ;;
  esac
}
complete -o default -F __kubectl_complete kubectl
)SH";
  return s;
}

void add_completion_flags(Flags&) {}

int run_completion(Session& session) {
  const auto& args = session.flags().positional();
  if (args.empty()) throw UsageError("Shell not specified.");
  if (args.size() > 1) throw UsageError("Too many arguments. Expected only the shell type.");
  if (args[0] == "bash") {
    std::cout << script_body();
  } else if (args[0] == "zsh") {
    // zsh runs the bash function through its bash completion emulation.
    std::cout << "#compdef kubectl\n\nautoload -U +X bashcompinit && bashcompinit\n\n" << script_body();
  } else {
    throw UsageError("Unsupported shell type \"" + args[0] + "\".");
  }
  return 0;
}

}  // namespace

std::vector<CommandDef> completion_commands() { return {{"completion", add_completion_flags, run_completion}}; }

}  // namespace k3s::kubectl
