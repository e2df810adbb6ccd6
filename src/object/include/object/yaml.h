// YAML as Kubernetes reads and writes it, for the API server's YAML bodies and kubectl's
// manifests alike: YAML into JSON with go-yaml v2's YAML 1.1 scalar resolution (as
// sigs.k8s.io/yaml converts it), and JSON into the exact YAML text sigs.k8s.io/yaml produces
// (sorted keys, indentless sequences, go-yaml's quoting and line folding at 80 columns).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace k3s::object {

// Text that is not valid YAML or has no JSON form. what() is worded as go-yaml words it
// ("yaml: line 4: did not find expected key", "yaml: control characters are not allowed");
// line() is the line it names, 0 when it names none.
class YamlError : public std::runtime_error {
 public:
  YamlError(int line, const std::string& problem)
      : std::runtime_error(line > 0 ? "yaml: line " + std::to_string(line) + ": " + problem : "yaml: " + problem),
        line_(line) {}
  int line() const { return line_; }

 private:
  int line_;
};

// Reading limits against hostile input: a document nested deeper than max_depth, or whose
// aliases would expand beyond the nodes its text could spell plus alias_slack, is refused.
struct YamlLimits {
  int max_depth = 1000;
  std::size_t alias_slack = 100000;
};

// Every non-empty document of a YAML (or JSON) stream. When `duplicate_keys` is given, the
// dotted path of each key that appears twice in one mapping is added to it (the later value
// wins, as in go-yaml v2).
std::vector<nlohmann::json> parse_yaml_documents(const std::string& text,
                                                 std::vector<std::string>* duplicate_keys = nullptr,
                                                 const YamlLimits& limits = {});
// One document; null for an empty stream.
nlohmann::json parse_yaml(const std::string& text, std::vector<std::string>* duplicate_keys = nullptr,
                          const YamlLimits& limits = {});

std::string to_yaml(const nlohmann::json& value);

}  // namespace k3s::object
