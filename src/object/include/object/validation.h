// Kubernetes' value checks and field-error reporting, with kube-apiserver's exact
// message texts (kubectl users and scripts match on them).
//
// The is_* checks return the list of problems (empty = valid), like Go's
// k8s.io/apimachinery/pkg/util/validation. FieldErrors collects field.ErrorList-style
// errors and renders the 422 Invalid Status (details.causes) the API server returns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace k3s::object {

using Json = nlohmann::json;

// ---- name and value checks ---------------------------------------------------------------

inline constexpr std::size_t kDNS1123LabelMaxLength = 63;
inline constexpr std::size_t kDNS1123SubdomainMaxLength = 253;
inline constexpr std::size_t kDNS1035LabelMaxLength = 63;
inline constexpr std::size_t kLabelValueMaxLength = 63;
inline constexpr std::size_t kQualifiedNameMaxLength = 63;

std::vector<std::string> is_dns1123_label(std::string_view value);
std::vector<std::string> is_dns1123_subdomain(std::string_view value);
std::vector<std::string> is_dns1035_label(std::string_view value);
// Names that only have to be one URL path segment (RBAC objects: "system:node").
std::vector<std::string> is_path_segment_name(std::string_view value);
std::vector<std::string> is_wildcard_dns1123_subdomain(std::string_view value);
std::vector<std::string> is_c_identifier(std::string_view value);
std::vector<std::string> is_env_var_name(std::string_view value);
std::vector<std::string> is_config_map_key(std::string_view value);
// Label keys, annotation keys, finalizer names: [prefix/]name.
std::vector<std::string> is_qualified_name(std::string_view value);
std::vector<std::string> is_valid_label_value(std::string_view value);
std::vector<std::string> is_valid_port_num(std::int64_t port);
std::vector<std::string> is_valid_port_name(std::string_view port);
std::vector<std::string> is_in_range(std::int64_t value, std::int64_t min, std::int64_t max);
std::vector<std::string> is_http_header_name(std::string_view value);
std::vector<std::string> is_valid_percent(std::string_view value);

// Message helpers shared by the checks (also useful to callers writing their own).
std::string max_len_error(std::size_t length);  // "must be no more than N characters"
std::string regex_error(std::string_view message, std::string_view regex, const std::vector<std::string>& examples);
std::string inclusive_range_error(std::int64_t lo, std::int64_t hi);
std::string empty_error();  // "must be non-empty"

// IP and CIDR parsing (the C library's inet_pton rules: no leading zeros in IPv4).
bool is_ip(std::string_view value);
bool is_ipv4(std::string_view value);
bool is_ipv6(std::string_view value);
// Canonical text of an IP ("2001:db8::1"), or "" when not an IP.
std::string canonical_ip(std::string_view value);
// "10.0.0.0/8" etc.: address and prefix length within range; bits beyond the prefix allowed.
bool is_cidr(std::string_view value);

// ---- field paths ---------------------------------------------------------------------

// A path like "spec.containers[0].env[name]" built fluently; the empty path prints "<nil>"
// only where Kubernetes does (see FieldError::message()).
class FieldPath {
 public:
  FieldPath() = default;
  explicit FieldPath(std::string root) : text_(std::move(root)) {}

  FieldPath child(std::string_view name) const;
  FieldPath index(std::size_t i) const;
  FieldPath key(std::string_view k) const;  // "[k]"
  const std::string& str() const { return text_; }
  bool empty() const { return text_.empty(); }

 private:
  std::string text_;
};

// ---- field errors ----------------------------------------------------------------------

enum class FieldErrorType {
  not_found,      // FieldValueNotFound
  required,       // FieldValueRequired
  duplicate,      // FieldValueDuplicate
  invalid,        // FieldValueInvalid
  not_supported,  // FieldValueNotSupported
  forbidden,      // FieldValueForbidden
  too_long,       // FieldValueTooLong
  too_many,       // FieldValueTooMany
  internal,       // InternalError
  type_invalid,   // FieldValueTypeInvalid
};

std::string_view field_error_reason(FieldErrorType type);  // "FieldValueInvalid"
std::string_view field_error_title(FieldErrorType type);   // "Invalid value"

struct FieldError {
  FieldErrorType type = FieldErrorType::invalid;
  std::string field;  // "spec.containers[0].name"; "<nil>" when no path was given
  Json bad_value;     // null when the type carries no value
  std::string detail;

  // "Invalid value: \"Foo\": a lowercase RFC 1123 label must …" (Go's ErrorBody()).
  std::string body() const;
  // "<field>: <body>" (Go's Error()).
  std::string message() const;
  // A details.causes entry: {"reason": ..., "message": body(), "field": ...}.
  Json to_cause() const;
};

// Go's strconv.Quote, used to print string values inside messages.
std::string go_quote(std::string_view value);

class FieldErrors {
 public:
  void add(FieldError error) { errors_.push_back(std::move(error)); }
  void append(const FieldErrors& other);

  void invalid(const FieldPath& path, Json value, std::string detail);
  void required(const FieldPath& path, std::string detail = {});
  void duplicate(const FieldPath& path, Json value);
  void not_found(const FieldPath& path, Json value);
  void not_supported(const FieldPath& path, Json value, const std::vector<std::string>& supported);
  void forbidden(const FieldPath& path, std::string detail);
  void too_long(const FieldPath& path, std::size_t max_length);
  void too_many(const FieldPath& path, std::int64_t actual, std::int64_t max);
  void internal(const FieldPath& path, std::string detail);
  // One Invalid error per message from an is_* check (the way kube's Validate* functions do).
  void invalid_each(const FieldPath& path, const Json& value, const std::vector<std::string>& messages);

  bool empty() const { return errors_.empty(); }
  std::size_t size() const { return errors_.size(); }
  const std::vector<FieldError>& errors() const { return errors_; }

  // Go's utilerrors aggregate text: one message as is, several as "[a, b]", duplicates dropped.
  std::string aggregate_message() const;
  Json causes() const;
  // The complete 422 Status kube-apiserver returns for an invalid object:
  // message "<Kind>[.<group>] \"<name>\" is invalid: <aggregate>".
  Json to_invalid_status(std::string_view group, std::string_view kind, std::string_view name) const;

 private:
  std::vector<FieldError> errors_;
};

}  // namespace k3s::object
