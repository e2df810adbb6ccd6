// The kubectl commands: each registers its flags and runs against a Session. Positional
// arguments exclude the command words ("get", "create deployment").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "flags.h"
#include "session.h"

namespace k3s::kubectl {

struct CommandDef {
  std::string path;  // "get", "create deployment", "config view"
  void (*add_flags)(Flags&);
  int (*run)(Session&);
};

// Every command, for dispatch (cmd_*.cpp each contribute theirs).
const std::vector<CommandDef>& all_commands();

// ---- shared helpers -------------------------------------------------------------------

// The -o/--output, --no-headers, --show-labels, -L, --sort-by and -w flags of get-like
// commands.
void add_print_flags(Flags& flags);
// -f/--filename, -R/--recursive, -k (unsupported).
void add_file_flags(Flags& flags);
// One object read from -f, with where it came from ("STDIN" or the file path).
struct Manifest {
  Json object;
  std::string source;
};
// Reads the objects of every -f (files, directories, "-" for stdin, URLs refused).
std::vector<Manifest> read_manifests(const Flags& flags);
// encoding/json's compact text (HTML characters escaped), as kubectl stores annotations.
std::string go_json_compact(const Json& value);

// Where an object goes: its own namespace, else -n / the context's namespace; throws
// kubectl's error when an explicit -n contradicts the object's namespace.
std::string namespace_for_object(Session& session, const Json& object, const client::ResourceInfo& info);
// "pod/x" as kubectl prints it in messages.
std::string display_name(const client::ResourceInfo& info, const std::string& name);

// Type/name arguments: "pods x y", "pods,svc", "pod/x svc/y".
struct ResourceTarget {
  client::ResourceInfo info;
  std::vector<std::string> names;
};
std::vector<ResourceTarget> resolve_targets(Session& session, const std::vector<std::string>& args);

// kubectl's wording when a command got no objects to act on.
extern const char* const kNoResourcesError;

// One existing object a command acts on, as kubectl's resource builder finds it; `error`
// is set (and `object` empty) when fetching it failed.
struct FetchedTarget {
  client::ResourceInfo info;
  std::string ns;
  std::string name;
  Json object;
  std::optional<client::ApiError> error;
};
// The objects named by TYPE NAME..., TYPE/NAME... or -f, or — when the command has -l and
// --all — every object of TYPE matching -l / --all in the namespace. Throws kubectl's
// usage errors for no arguments and for a type without names.
std::vector<FetchedTarget> fetch_targets(Session& session, const std::vector<std::string>& args);

// "a=b,c=d", as run and expose take labels and selectors.
Json parse_label_spec(const std::string& text);
// strconv.Atoi, with its error text.
std::int64_t parse_go_int(const std::string& text);
// --overrides applied to a generated object as --override-type (merge | json | strategic) says.
Json apply_overrides(const Json& object, const std::string& overrides, const std::string& type);

// Go durations as kubectl flags take them: "30s", "1m", "2h", "1h30m", "500ms".
std::chrono::milliseconds parse_duration(const std::string& text);

// One manifest applied as `kubectl apply` does (created / configured / unchanged), with
// dry-run mode "none" | "client" | "server"; server errors come wrapped with the source.
struct AppliedObject {
  Json object;
  client::ResourceInfo info;
  std::string verb;
};
// `record`: write the last-applied annotation (apply) or leave it as it is (diff).
AppliedObject apply_manifest(Session& session, const Manifest& m, const std::string& mode, bool record);

// apply --prune: the allowlisted types (validating -l/--all and --prune-allowlist first;
// empty without --prune), then the deletion of what the apply did not touch.
std::vector<client::ResourceInfo> prune_types(Session& session);
int prune_unapplied(Session& session, const std::vector<client::ResourceInfo>& types,
                    const std::vector<AppliedObject>& applied, const std::string& mode);

// Sends an object a command generated (run, expose, autoscale) as kubectl does: --save-config,
// and for --dry-run=client only the object itself (with -n's namespace when
// `namespace_in_dry_run`); returns what to print.
Json submit_generated(Session& session, Json object, const client::GroupVersionResource& gvr, const std::string& mode,
                      bool namespace_in_dry_run);

// dry-run: "none" | "client" | "server".
std::string dry_run_mode(const Flags& flags);
std::string dry_run_suffix(const std::string& mode);  // " (dry run)" / " (server dry run)"

// Sends an object-output (-o) or the "x/y verb" message for a mutated object.
void print_result(Session& session, const Json& object, const client::ResourceInfo& info, const std::string& verb,
                  const std::string& dry_run = "none");

}  // namespace k3s::kubectl

namespace k3s::kubectl {
// The command groups (one per cmd_*.cpp).
std::vector<CommandDef> get_commands();
std::vector<CommandDef> apply_commands();
std::vector<CommandDef> modify_commands();
std::vector<CommandDef> create_commands();
std::vector<CommandDef> config_commands();
std::vector<CommandDef> info_commands();
std::vector<CommandDef> edit_commands();
std::vector<CommandDef> ops_commands();
std::vector<CommandDef> describe_commands();
std::vector<CommandDef> set_commands();
std::vector<CommandDef> run_commands();
std::vector<CommandDef> expose_commands();
std::vector<CommandDef> exec_commands();
std::vector<CommandDef> port_forward_commands();
std::vector<CommandDef> cp_commands();
std::vector<CommandDef> drain_commands();
std::vector<CommandDef> diff_commands();
std::vector<CommandDef> completion_commands();
std::vector<CommandDef> top_commands();
std::vector<CommandDef> certificate_commands();
std::vector<CommandDef> explain_commands();
}  // namespace k3s::kubectl
