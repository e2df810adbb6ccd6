// One declarative table of flags per subcommand, applied with k3s's precedence:
// command line > K3S_* environment variable > config file(s).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace k3s::cli {

// A parse or configuration failure; what() is the one line shown to the user.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class FlagKind { string, integer, boolean, list };

struct Flag {
  std::string name;                  // long name without dashes: "data-dir"
  std::vector<std::string> aliases;  // short/extra names without dashes: {"d"}
  std::string env;                   // "K3S_DATA_DIR" or empty
  FlagKind kind = FlagKind::string;
  std::string category;              // help grouping: "(data)", "(cluster)", ...
  std::string usage;
  std::string default_text;          // shown in help
  bool hidden = false;
  // Receives the value(s); may throw UsageError for a bad value.
  std::function<void(const std::vector<std::string>&)> set;
};

// One value from a config file, with where it came from for error messages.
struct ConfigValue {
  std::vector<std::string> values;
  bool is_list = false;
  bool is_bool = false;
  std::string file;
  int line = 0;
};

// Reads the config file and its drop-ins (<file>.d/*.yaml in lexical order). Keys ending
// in "+" append to the value set by earlier files. A missing default file is no error; a
// missing explicit file, bad YAML, or a non-scalar non-list value is a UsageError naming
// the file and line.
std::map<std::string, ConfigValue> load_config_files(const std::string& file, bool explicit_file);

struct ParsedCommand {
  bool help_requested = false;
  std::vector<std::string> positional;  // arguments after the flags
};

// Parses args (without the program and command names) against the flag table. The config
// file is taken from --config/-c, K3S_CONFIG_FILE or `default_config_file` (empty = none).
// Keys in the file that no flag declares are a UsageError.
ParsedCommand apply_flags(const std::string& command, const std::vector<Flag>& flags,
                          const std::vector<std::string>& args, const std::string& default_config_file);

// urfave-style help text for a command, as k3s prints it.
std::string render_help(const std::string& command_path, const std::string& usage,
                        const std::vector<Flag>& flags);

// Value converters shared by the flag tables.
int parse_int(const std::string& flag, const std::string& value);
bool parse_bool(const std::string& flag, const std::string& value);

}  // namespace k3s::cli
