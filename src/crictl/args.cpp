#include "args.h"

namespace k3s::crictl {

ParsedArgs::ParsedArgs(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs,
                       bool stop_at_first_positional) {
  auto find_long = [&](const std::string& name) -> const FlagSpec* {
    for (const auto& spec : specs) {
      if (spec.long_name == name) return &spec;
    }
    return nullptr;
  };
  auto find_short = [&](char c) -> const FlagSpec* {
    for (const auto& spec : specs) {
      if (spec.short_name == c) return &spec;
    }
    return nullptr;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      positional_.insert(positional_.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (arg.size() > 2 && arg.rfind("--", 0) == 0) {
      auto eq = arg.find('=');
      std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      const FlagSpec* spec = find_long(name);
      if (!spec) throw UsageError("flag provided but not defined: -" + name);
      if (!spec->takes_value) {
        values_[spec->long_name] = eq == std::string::npos ? "true" : arg.substr(eq + 1);
      } else if (eq != std::string::npos) {
        values_[spec->long_name] = arg.substr(eq + 1);
      } else {
        if (i + 1 >= args.size()) throw UsageError("flag needs an argument: --" + name);
        values_[spec->long_name] = args[++i];
      }
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-' && arg != "-") {
      for (size_t j = 1; j < arg.size(); ++j) {
        const FlagSpec* spec = find_short(arg[j]);
        if (!spec) throw UsageError(std::string("flag provided but not defined: -") + arg[j]);
        if (!spec->takes_value) {
          values_[spec->long_name] = "true";
          continue;
        }
        if (j + 1 < arg.size()) {
          values_[spec->long_name] = arg.substr(arg[j + 1] == '=' ? j + 2 : j + 1);
        } else {
          if (i + 1 >= args.size()) throw UsageError(std::string("flag needs an argument: -") + arg[j]);
          values_[spec->long_name] = args[++i];
        }
        break;
      }
      continue;
    }
    positional_.push_back(arg);
    if (stop_at_first_positional) {
      positional_.insert(positional_.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
  }
}

std::string ParsedArgs::value(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

long long ParsedArgs::int_value(const std::string& name, long long fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  try {
    size_t used = 0;
    long long v = std::stoll(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("trailing");
    return v;
  } catch (const std::exception&) {
    throw UsageError("invalid value \"" + it->second + "\" for flag --" + name + ": not an integer");
  }
}

}  // namespace k3s::crictl
