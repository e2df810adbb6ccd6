// The subset of Go's text/template kubectl users write with -o go-template: {{.a.b}},
// {{range .items}}...{{end}}, {{if ...}}{{else}}{{end}}, {{index .m "key"}}, {{"text"}},
// {{len .x}} and {{- -}} trimming.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace k3s::kubectl {

class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string execute_go_template(const std::string& text, const nlohmann::json& data);

}  // namespace k3s::kubectl
