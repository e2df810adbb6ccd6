// YAML as kubectl reads and writes it: manifests (several documents, YAML 1.1 scalar
// resolution as go-yaml v2 does) into JSON objects, and JSON into the exact YAML text
// sigs.k8s.io/yaml produces (sorted keys, indentless sequences, go-yaml's quoting and line
// folding at 80 columns).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace k3s::kubectl {

using Json = nlohmann::json;

// A manifest that is not valid YAML; line is 1-based (0 when unknown).
class YamlError : public std::runtime_error {
 public:
  YamlError(int line, const std::string& message)
      : std::runtime_error("yaml: line " + std::to_string(line) + ": " + message), line_(line) {}
  int line() const { return line_; }

 private:
  int line_;
};

// Every non-empty document of a YAML (or JSON) stream.
std::vector<Json> parse_yaml_documents(const std::string& text);
// One document; null for an empty stream.
Json parse_yaml(const std::string& text);

std::string to_yaml(const Json& value);

}  // namespace k3s::kubectl
