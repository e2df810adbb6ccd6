#include "flags.h"

#include <algorithm>

namespace k3s::kubectl {

void Flags::add(const std::string& name, char shorthand, bool takes_value, std::string default_value) {
  if (!takes_value && default_value.empty()) default_value = "false";
  for (auto it = specs_.begin(); it != specs_.end(); ++it) {
    if (it->name == name) {
      specs_.erase(it);
      shadowed_.insert(name);
      break;
    }
  }
  specs_.push_back({name, shorthand, takes_value, std::move(default_value)});
}

const FlagSpec* Flags::find_long(const std::string& name) const {
  for (const auto& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const FlagSpec* Flags::find_short(char c) const {
  for (const auto& s : specs_) {
    if (s.shorthand == c) return &s;
  }
  return nullptr;
}

void Flags::set(const FlagSpec& spec, const std::string& value) { values_[spec.name].push_back(value); }

void Flags::parse(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      had_dashes_ = true;
      after_dashes_.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      return;
    }
    if (a.size() > 2 && a.rfind("--", 0) == 0) {
      std::string name = a.substr(2);
      std::optional<std::string> value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const FlagSpec* spec = find_long(name);
      if (!spec) throw UsageError("unknown flag: --" + name);
      if (!spec->takes_value) {
        set(*spec, value.value_or("true"));
      } else if (value) {
        set(*spec, *value);
      } else {
        if (i + 1 >= args.size()) throw UsageError("flag needs an argument: --" + name);
        set(*spec, args[++i]);
      }
      continue;
    }
    if (a.size() > 1 && a[0] == '-' && a != "-") {
      // A cluster of shorthands: -it, -nfoo, -n foo.
      for (std::size_t j = 1; j < a.size(); ++j) {
        const FlagSpec* spec = find_short(a[j]);
        if (!spec) throw UsageError(std::string("unknown shorthand flag: '") + a[j] + "' in " + a);
        if (!spec->takes_value) {
          if (j + 1 < a.size() && a[j + 1] == '=') {
            set(*spec, a.substr(j + 2));
            break;
          }
          set(*spec, "true");
          continue;
        }
        std::string rest = a.substr(j + 1);
        if (!rest.empty()) {
          if (rest[0] == '=') rest = rest.substr(1);
          set(*spec, rest);
        } else {
          if (i + 1 >= args.size()) {
            throw UsageError(std::string("flag needs an argument: '") + a[j] + "' in -" + a[j]);
          }
          set(*spec, args[++i]);
        }
        break;
      }
      continue;
    }
    positional_.push_back(a);
  }
}

std::string Flags::str(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end() && !it->second.empty()) return it->second.back();
  for (const auto& s : specs_) {
    if (s.name == name) return s.default_value;
  }
  return {};
}

std::vector<std::string> Flags::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::string> Flags::list(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& v : all(name)) {
    std::size_t start = 0;
    while (start <= v.size()) {
      auto comma = v.find(',', start);
      if (comma == std::string::npos) comma = v.size();
      if (comma > start) out.push_back(v.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

bool Flags::boolean(const std::string& name) const {
  std::string v = str(name);
  if (v == "true" || v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "True") return true;
  if (v == "false" || v == "0" || v == "f" || v == "F" || v == "FALSE" || v == "False" || v.empty()) return false;
  throw UsageError("invalid argument \"" + v + "\" for \"--" + name + "\" flag: strconv.ParseBool: parsing \"" + v +
                   "\": invalid syntax");
}

std::int64_t Flags::integer(const std::string& name) const {
  std::string v = str(name);
  try {
    std::size_t used = 0;
    auto n = std::stoll(v, &used);
    if (used == v.size()) return n;
  } catch (...) {
  }
  throw UsageError("invalid argument \"" + v + "\" for \"--" + name + "\" flag: strconv.ParseInt: parsing \"" + v +
                   "\": invalid syntax");
}

}  // namespace k3s::kubectl
