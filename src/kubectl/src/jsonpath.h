// kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath): text with {expressions},
// {range ...}{end}, filters [?(@.a=="b")], recursive descent, slices and unions.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace k3s::kubectl {

using Json = nlohmann::json;

class JsonPathError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class JsonPath {
 public:
  // Throws JsonPathError for a malformed template (kubectl: "error parsing jsonpath ...").
  explicit JsonPath(const std::string& template_text);
  ~JsonPath();
  JsonPath(JsonPath&&) noexcept;

  // Missing keys print nothing when allow_missing (kubectl get), else JsonPathError
  // ("<key> is not found").
  std::string execute(const Json& data, bool allow_missing = true) const;
  // The results of every expression as one JSON array (-o jsonpath-as-json).
  Json execute_as_json(const Json& data) const;

  struct Node;

 private:
  std::vector<std::shared_ptr<Node>> nodes_;
};

// A value as kubectl's JSONPath prints it: strings raw, everything else as JSON.
std::string jsonpath_text(const Json& value);

}  // namespace k3s::kubectl
