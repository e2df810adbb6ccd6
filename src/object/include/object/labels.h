// Label selectors with Kubernetes' grammar, semantics and error texts
// (k8s.io/apimachinery/pkg/labels): parsing "-l" strings, matching label maps, and
// converting metav1.LabelSelector objects (matchLabels/matchExpressions).
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "object/validation.h"

namespace k3s::object::labels {

using Json = nlohmann::json;
using object::FieldErrors;
using object::FieldPath;
using Set = std::map<std::string, std::string>;

// Thrown for a malformed selector or requirement; what() is kube's message, e.g.
// "unable to parse requirement: found 'x', expected: in, notin, =, ==, !=, gt, lt".
class SelectorError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class Operator {
  equals,          // "="
  double_equals,   // "=="
  not_equals,      // "!="
  in,              // "in"
  not_in,          // "notin"
  exists,          // "exists" (bare key)
  does_not_exist,  // "!" (bare !key)
  greater_than,    // "gt" (">")
  less_than,       // "lt" ("<")
};

// The operator's name in Kubernetes' selection.Operator ("=", "in", "!", "gt", ...).
std::string_view operator_name(Operator op);

class Requirement {
 public:
  // Validates like labels.NewRequirement (key syntax, value syntax, value count for the
  // operator); throws SelectorError with the aggregated field-error text.
  Requirement(std::string key, Operator op, std::vector<std::string> values);
  // Skips validation (for sets built by trusted code, as labels.SelectorFromSet does).
  static Requirement unchecked(std::string key, Operator op, std::vector<std::string> values);

  const std::string& key() const { return key_; }
  Operator op() const { return op_; }
  const std::vector<std::string>& values() const { return values_; }

  bool matches(const Set& labels) const;
  // Canonical text: "a=b", "a!=b", "a in (x,y)", "!a", "a", "a>5".
  std::string to_string() const;
  bool operator==(const Requirement&) const = default;

 private:
  Requirement() = default;

  std::string key_;
  Operator op_ = Operator::exists;
  std::vector<std::string> values_;
};

class Selector {
 public:
  // Matches every object (the empty selector).
  Selector() = default;
  static Selector everything() { return Selector(); }
  // Matches no object (a nil metav1.LabelSelector).
  static Selector nothing();

  // Parses a selector string ("app=web,tier in (a,b),!canary"); "" is everything().
  static Selector parse(std::string_view text);
  // Exact-match selector for every entry; no validation (like labels.SelectorFromSet).
  static Selector from_set(const Set& set);
  // metav1.LabelSelector JSON -> selector (LabelSelectorAsSelector). A null JSON value is
  // nothing(); an object without matchLabels/matchExpressions is everything().
  // Throws SelectorError on bad operators, keys or values.
  static Selector from_label_selector(const Json& label_selector);

  // Returns a copy with the requirement added (kept sorted by key).
  Selector add(Requirement requirement) const;

  bool matches(const Set& labels) const;
  bool empty() const { return !nothing_ && requirements_.empty(); }
  bool is_nothing() const { return nothing_; }
  const std::vector<Requirement>& requirements() const { return requirements_; }
  // The value `key` must equal for every match, if the selector pins one.
  std::optional<std::string> requires_exact_match(std::string_view key) const;
  // Canonical text, requirements sorted by key ("" for everything and nothing).
  std::string to_string() const;

 private:
  std::vector<Requirement> requirements_;
  bool nothing_ = false;
};

// "a=b,c=d" with keys sorted (labels.Set.String()).
std::string format_set(const Set& set);

// Validation of metav1.LabelSelector and label maps as kube-apiserver does it
// (ValidateLabelSelector / ValidateLabels), adding to `errors`.
void validate_label_selector(const Json& label_selector, const FieldPath& path, FieldErrors& errors);
void validate_labels(const Json& labels, const FieldPath& path, FieldErrors& errors);

}  // namespace k3s::object::labels
