#include "cli/flags.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>

namespace k3s::cli {
namespace {

const Flag* find_flag(const std::vector<Flag>& flags, const std::string& name) {
  for (const auto& f : flags) {
    if (f.name == name) return &f;
    if (std::find(f.aliases.begin(), f.aliases.end(), name) != f.aliases.end()) return &f;
  }
  return nullptr;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Where --config points, looked up before anything else is parsed.
std::pair<std::string, bool> locate_config_file(const std::vector<std::string>& args,
                                                const std::string& default_file) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    for (const std::string prefix : {"--config", "-config", "-c"}) {
      if (a == prefix && i + 1 < args.size()) return {args[i + 1], true};
      if (a.rfind(prefix + "=", 0) == 0) return {a.substr(prefix.size() + 1), true};
    }
  }
  if (const char* env = std::getenv("K3S_CONFIG_FILE"); env && *env) return {env, true};
  return {default_file, false};
}

}  // namespace

int parse_int(const std::string& flag, const std::string& value) {
  try {
    std::size_t used = 0;
    long v = std::stol(value, &used, 10);
    if (used != value.size() || v < INT32_MIN || v > INT32_MAX) throw std::invalid_argument(value);
    return static_cast<int>(v);
  } catch (const std::exception&) {
    throw UsageError("invalid value \"" + value + "\" for flag -" + flag + ": parse error");
  }
}

bool parse_bool(const std::string& flag, const std::string& value) {
  static const std::set<std::string> yes{"1", "t", "T", "true", "TRUE", "True"};
  static const std::set<std::string> no{"0", "f", "F", "false", "FALSE", "False"};
  if (yes.count(value)) return true;
  if (no.count(value)) return false;
  throw UsageError("invalid boolean value \"" + value + "\" for -" + flag + ": parse error");
}

ParsedCommand apply_flags(const std::string& command, const std::vector<Flag>& input_flags,
                          const std::vector<std::string>& args, const std::string& default_config_file) {
  std::vector<Flag> flags = input_flags;
  const bool uses_config = !default_config_file.empty();
  if (uses_config && !find_flag(flags, "config")) {
    flags.push_back(Flag{"config", {"c"}, "K3S_CONFIG_FILE", FlagKind::string, "(config)",
                         "Load configuration from FILE", "\"" + default_config_file + "\"", false,
                         [](const std::vector<std::string>&) {}});
  }

  ParsedCommand result;
  std::map<std::string, std::vector<std::string>> from_cli;  // by canonical flag name
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      result.positional.insert(result.positional.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      result.positional.push_back(arg);
      continue;
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::optional<std::string> inline_value;
    if (auto eq = body.find('='); eq != std::string::npos) {
      inline_value = body.substr(eq + 1);
      body = body.substr(0, eq);
    }
    if (body == "help" || body == "h") {
      result.help_requested = true;
      continue;
    }
    const Flag* flag = find_flag(flags, body);
    if (!flag) throw UsageError("flag provided but not defined: -" + body);
    std::string value;
    if (flag->kind == FlagKind::boolean) {
      value = inline_value.value_or("true");
      parse_bool(flag->name, value);
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      throw UsageError("flag needs an argument: -" + body);
    }
    auto& slot = from_cli[flag->name];
    if (flag->kind == FlagKind::list) {
      slot.push_back(value);
    } else {
      slot = {value};
    }
  }
  if (result.help_requested) return result;

  std::map<std::string, ConfigValue> file_values;
  if (uses_config) {
    auto [path, explicit_file] = locate_config_file(args, default_config_file);
    file_values = load_config_files(path, explicit_file);
    for (const auto& [key, cv] : file_values) {
      const Flag* flag = find_flag(flags, key);
      if (!flag || flag->name == "config") {
        throw UsageError(cv.file + ":" + std::to_string(cv.line) + ": unknown configuration key \"" + key +
                         "\" for " + command);
      }
      if (cv.is_list && flag->kind != FlagKind::list) {
        throw UsageError(cv.file + ":" + std::to_string(cv.line) + ": key \"" + key +
                         "\" takes a single value, not a list");
      }
    }
  }

  for (const auto& flag : flags) {
    try {
      if (auto it = from_cli.find(flag.name); it != from_cli.end()) {
        flag.set(it->second);
        continue;
      }
      if (!flag.env.empty()) {
        if (const char* env = std::getenv(flag.env.c_str()); env && *env) {
          flag.set(flag.kind == FlagKind::list ? split_commas(env) : std::vector<std::string>{env});
          continue;
        }
      }
      auto it = file_values.find(flag.name);
      if (it == file_values.end()) {
        for (const auto& alias : flag.aliases) {
          it = file_values.find(alias);
          if (it != file_values.end()) break;
        }
      }
      if (it != file_values.end()) {
        try {
          flag.set(it->second.values);
        } catch (const UsageError& e) {
          throw UsageError(it->second.file + ":" + std::to_string(it->second.line) + ": key \"" + it->first +
                           "\": " + e.what());
        }
      }
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  return result;
}

std::string render_help(const std::string& command_path, const std::string& usage,
                        const std::vector<Flag>& flags) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& f : flags) {
    if (f.hidden) continue;
    auto spell = [&](const std::string& n) {
      std::string s = (n.size() == 1 ? "-" : "--") + n;
      if (f.kind != FlagKind::boolean) s += " value";
      return s;
    };
    std::string left = spell(f.name);
    for (const auto& a : f.aliases) left += ", " + spell(a);
    std::string right = (f.category.empty() ? "" : f.category + " ") + f.usage;
    if (!f.default_text.empty()) right += " (default: " + f.default_text + ")";
    if (!f.env.empty()) right += " [$" + f.env + "]";
    rows.emplace_back(left, right);
  }
  rows.emplace_back("--help, -h", "show help");
  std::size_t width = 0;
  for (const auto& r : rows) width = std::max(width, r.first.size());
  std::ostringstream out;
  out << "NAME:\n   " << command_path << " - " << usage << "\n\nUSAGE:\n   " << command_path
      << " [OPTIONS]\n\nOPTIONS:\n";
  for (const auto& [left, right] : rows) {
    out << "   " << left << std::string(width - left.size() + 3, ' ') << right << "\n";
  }
  return out.str();
}

}  // namespace k3s::cli
