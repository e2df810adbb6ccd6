// Flag parsing in crictl's style: flags and positionals may mix, "--flag=value",
// "--flag value", "-f value", combined short booleans ("-it"), "--" ends flags.
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace k3s::crictl {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct FlagSpec {
  std::string long_name;   // without dashes
  char short_name = 0;     // 0: none
  bool takes_value = false;
};

class ParsedArgs {
 public:
  ParsedArgs(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs,
             bool stop_at_first_positional = false);
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string value(const std::string& name, const std::string& fallback = "") const;
  long long int_value(const std::string& name, long long fallback) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace k3s::crictl
