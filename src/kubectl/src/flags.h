// kubectl's flag syntax (spf13/pflag): flags anywhere among the arguments, `--name=value`,
// `--name value`, `-n value`, `-nvalue`, boolean `--name=false`, `--` ends the flags.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace k3s::kubectl {

// A command line error kubectl reports with a usage hint ("See 'kubectl get -h' for help").
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FlagSpec {
  std::string name;       // long name without dashes
  char shorthand = 0;     // 0: none
  bool takes_value = true;
  std::string default_value;  // for booleans "false"/"true"
  // For flags that are counted in NoOptDefVal style (e.g. -o with no value is an error).
};

class Flags {
 public:
  void add(const std::string& name, char shorthand, bool takes_value, std::string default_value = {});
  // Parses args; the rest are positional (in order). Throws UsageError on unknown flags or
  // missing values, with pflag's wording.
  void parse(const std::vector<std::string>& args);

  bool given(const std::string& name) const { return values_.count(name) > 0; }
  // A global flag the command redefined for itself (create rolebinding --user).
  bool shadowed(const std::string& name) const { return shadowed_.count(name) > 0; }
  std::string str(const std::string& name) const;
  // Every occurrence (for repeatable flags such as -f, -L, --from-literal).
  std::vector<std::string> all(const std::string& name) const;
  // Every occurrence, each split on commas.
  std::vector<std::string> list(const std::string& name) const;
  bool boolean(const std::string& name) const;
  std::int64_t integer(const std::string& name) const;

  // The long names of every registered flag (for shell completion).
  std::vector<std::string> long_names() const {
    std::vector<std::string> out;
    for (const auto& s : specs_) out.push_back(s.name);
    return out;
  }

  const std::vector<std::string>& positional() const { return positional_; }
  // Arguments after `--` (exec, run): empty when there was no `--`.
  const std::vector<std::string>& after_dashes() const { return after_dashes_; }
  bool had_dashes() const { return had_dashes_; }

 private:
  const FlagSpec* find_long(const std::string& name) const;
  const FlagSpec* find_short(char c) const;
  void set(const FlagSpec& spec, const std::string& value);

  std::vector<FlagSpec> specs_;
  std::set<std::string> shadowed_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
  std::vector<std::string> after_dashes_;
  bool had_dashes_ = false;
};

}  // namespace k3s::kubectl
