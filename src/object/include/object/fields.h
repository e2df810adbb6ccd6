// Field selectors with Kubernetes' grammar, semantics and error texts
// (k8s.io/apimachinery/pkg/fields): "metadata.name=x,status.phase!=Running".
// Matching is against a flattened field set the caller builds for the resource
// (e.g. {"metadata.name": "x", "spec.nodeName": "n1"}); a missing field reads as "".
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace k3s::object::fields {

using Set = std::map<std::string, std::string>;

// what() is kube's text, e.g. "invalid selector: 'a'; can't understand 'a'".
class SelectorError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct Requirement {
  std::string field;
  bool equals = true;  // false: "!="
  std::string value;
  bool operator==(const Requirement&) const = default;
};

class Selector {
 public:
  Selector() = default;  // everything
  static Selector everything() { return Selector(); }
  static Selector nothing();

  // Terms separated by unescaped ','; operators "!=", "==", "="; values may escape
  // '\\', ',' and '=' with a backslash. "" is everything().
  static Selector parse(std::string_view text);
  static Selector from_set(const Set& set);

  bool matches(const Set& fields) const;
  bool empty() const { return !nothing_ && requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }
  std::optional<std::string> requires_exact_match(std::string_view field) const;
  // Canonical text, terms sorted, values escaped.
  std::string to_string() const;

  // Rewrites every term (for field label conversion, e.g. version-specific names); a term
  // the function maps to an empty field and empty value is dropped (matches everything).
  // The function may throw SelectorError to reject a field the resource does not support.
  template <typename Fn>
  Selector transform(Fn&& fn) const {
    Selector out;
    out.nothing_ = nothing_;
    for (auto& r : requirements_) {
      Requirement next = fn(r);
      if (next.field.empty() && next.value.empty()) continue;
      out.requirements_.push_back(std::move(next));
    }
    return out;
  }

 private:
  std::vector<Requirement> requirements_;
  bool nothing_ = false;
};

std::string escape_value(std::string_view value);
// Throws SelectorError ("invalid field selector: invalid escape sequence: \\x", ...).
std::string unescape_value(std::string_view value);

}  // namespace k3s::object::fields
