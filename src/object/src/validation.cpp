#include "object/validation.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace k3s::object {

namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool matches_dns1123_label(std::string_view v) {
  if (v.empty() || !is_lower_alnum(v.front()) || !is_lower_alnum(v.back())) return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return is_lower_alnum(c) || c == '-'; });
}

bool matches_dns1123_subdomain(std::string_view v) {
  if (v.empty()) return false;
  std::size_t start = 0;
  while (true) {
    auto dot = v.find('.', start);
    auto part = v.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!matches_dns1123_label(part)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool matches_label_name(std::string_view v) {
  if (v.empty() || !is_alnum(v.front()) || !is_alnum(v.back())) return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

const char* const kDNS1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const char* const kDNS1123LabelErrMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character";
const char* const kDNS1123SubdomainFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const char* const kDNS1123SubdomainErrMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character";
const char* const kLabelKeyFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const char* const kLabelKeyErrMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character";

}  // namespace

std::string max_len_error(std::size_t length) {
  return "must be no more than " + std::to_string(length) + " characters";
}

std::string regex_error(std::string_view message, std::string_view regex, const std::vector<std::string>& examples) {
  std::string out(message);
  if (examples.empty()) return out + " (regex used for validation is '" + std::string(regex) + "')";
  out += " (e.g. ";
  for (std::size_t i = 0; i < examples.size(); ++i) {
    if (i > 0) out += " or ";
    out += "'" + examples[i] + "', ";
  }
  out += "regex used for validation is '" + std::string(regex) + "')";
  return out;
}

std::string inclusive_range_error(std::int64_t lo, std::int64_t hi) {
  return "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", inclusive";
}

std::string empty_error() { return "must be non-empty"; }

std::vector<std::string> is_dns1123_label(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDNS1123LabelMaxLength) errs.push_back(max_len_error(kDNS1123LabelMaxLength));
  if (!matches_dns1123_label(value)) {
    if (matches_dns1123_subdomain(value)) {
      errs.push_back("must not contain dots");
    } else {
      errs.push_back(regex_error(kDNS1123LabelErrMsg, kDNS1123LabelFmt, {"my-name", "123-abc"}));
    }
  }
  return errs;
}

std::vector<std::string> is_dns1123_subdomain(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDNS1123SubdomainMaxLength) errs.push_back(max_len_error(kDNS1123SubdomainMaxLength));
  if (!matches_dns1123_subdomain(value)) {
    errs.push_back(regex_error(kDNS1123SubdomainErrMsg, kDNS1123SubdomainFmt, {"example.com"}));
  }
  return errs;
}

std::vector<std::string> is_path_segment_name(std::string_view value) {
  if (value == "." || value == "..") return {"may not be '" + std::string(value) + "'"};
  std::vector<std::string> errs;
  for (const char* bad : {"/", "%"})
    if (value.find(bad) != std::string_view::npos) errs.push_back(std::string("may not contain '") + bad + "'");
  return errs;
}

std::vector<std::string> is_dns1035_label(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDNS1035LabelMaxLength) errs.push_back(max_len_error(kDNS1035LabelMaxLength));
  bool ok = !value.empty() && value.front() >= 'a' && value.front() <= 'z' && is_lower_alnum(value.back()) &&
            std::all_of(value.begin(), value.end(), [](char c) { return is_lower_alnum(c) || c == '-'; });
  if (!ok) {
    errs.push_back(regex_error(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
        "character, and end with an alphanumeric character",
        "[a-z]([-a-z0-9]*[a-z0-9])?", {"my-name", "abc-123"}));
  }
  return errs;
}

std::vector<std::string> is_wildcard_dns1123_subdomain(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDNS1123SubdomainMaxLength) errs.push_back(max_len_error(kDNS1123SubdomainMaxLength));
  bool ok = value.size() > 2 && value.substr(0, 2) == "*." && matches_dns1123_subdomain(value.substr(2));
  if (!ok) {
    errs.push_back(regex_error(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist "
        "of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        std::string("\\*\\.") + kDNS1123SubdomainFmt, {"*.example.com"}));
  }
  return errs;
}

std::vector<std::string> is_c_identifier(std::string_view value) {
  bool ok = !value.empty() && (is_alpha(value.front()) || value.front() == '_') &&
            std::all_of(value.begin(), value.end(), [](char c) { return is_alnum(c) || c == '_'; });
  if (ok) return {};
  return {regex_error(
      "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric "
      "characters or '_'",
      "[A-Za-z_][A-Za-z0-9_]*", {"my_name", "MY_NAME", "MyName"})};
}

namespace {
std::vector<std::string> chdir_prefix_errors(std::string_view value) {
  if (value == ".") return {"must not be '.'"};
  if (value == "..") return {"must not be '..'"};
  if (value.substr(0, 2) == "..") return {"must not start with '..'"};
  return {};
}
}  // namespace

std::vector<std::string> is_env_var_name(std::string_view value) {
  std::vector<std::string> errs;
  auto allowed = [](char c) { return is_alnum(c) || c == '-' || c == '.' || c == '_'; };
  bool ok = !value.empty() && !is_digit(value.front()) && std::all_of(value.begin(), value.end(), allowed);
  if (!ok) {
    errs.push_back(regex_error(
        "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and "
        "must not start with a digit",
        "[-._a-zA-Z][-._a-zA-Z0-9]*", {"my.env-name", "MY_ENV.NAME", "MyEnvName1"}));
  }
  for (auto& e : chdir_prefix_errors(value)) errs.push_back(e);
  return errs;
}

std::vector<std::string> is_config_map_key(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDNS1123SubdomainMaxLength) errs.push_back(max_len_error(kDNS1123SubdomainMaxLength));
  auto allowed = [](char c) { return is_alnum(c) || c == '-' || c == '.' || c == '_'; };
  if (value.empty() || !std::all_of(value.begin(), value.end(), allowed)) {
    errs.push_back(regex_error("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                               "[-._a-zA-Z0-9]+", {"key.name", "KEY_NAME", "key-name"}));
  }
  for (auto& e : chdir_prefix_errors(value)) errs.push_back(e);
  return errs;
}

std::vector<std::string> is_qualified_name(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name;
  auto slash = value.find('/');
  if (slash == std::string_view::npos) {
    name = value;
  } else if (value.find('/', slash + 1) == std::string_view::npos) {
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part " + empty_error());
    } else {
      for (auto& msg : is_dns1123_subdomain(prefix)) errs.push_back("prefix part " + msg);
    }
  } else {
    errs.push_back("a qualified name " +
                   regex_error(kLabelKeyErrMsg, kLabelKeyFmt, {"MyName", "my.name", "123-abc"}) +
                   " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
    return errs;
  }
  if (name.empty()) {
    errs.push_back("name part " + empty_error());
  } else if (name.size() > kQualifiedNameMaxLength) {
    errs.push_back("name part " + max_len_error(kQualifiedNameMaxLength));
  }
  if (!matches_label_name(name)) {
    errs.push_back("name part " + regex_error(kLabelKeyErrMsg, kLabelKeyFmt, {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

std::vector<std::string> is_valid_label_value(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kLabelValueMaxLength) errs.push_back(max_len_error(kLabelValueMaxLength));
  if (!value.empty() && !matches_label_name(value)) {
    errs.push_back(regex_error(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
        "start and end with an alphanumeric character",
        "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?", {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

std::vector<std::string> is_valid_port_num(std::int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {inclusive_range_error(1, 65535)};
}

std::vector<std::string> is_in_range(std::int64_t value, std::int64_t min, std::int64_t max) {
  if (value >= min && value <= max) return {};
  return {inclusive_range_error(min, max)};
}

std::vector<std::string> is_valid_port_name(std::string_view port) {
  std::vector<std::string> errs;
  if (port.size() > 15) errs.push_back(max_len_error(15));
  if (port.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return is_lower_alnum(c) || c == '-'; })) {
    errs.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  }
  if (std::none_of(port.begin(), port.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
    errs.push_back("must contain at least one letter (a-z)");
  }
  if (port.find("--") != std::string_view::npos) errs.push_back("must not contain consecutive hyphens");
  if (!port.empty() && (port.front() == '-' || port.back() == '-')) {
    errs.push_back("must not begin or end with a hyphen");
  }
  return errs;
}

std::vector<std::string> is_http_header_name(std::string_view value) {
  if (!value.empty() && std::all_of(value.begin(), value.end(), [](char c) { return is_alnum(c) || c == '-'; })) {
    return {};
  }
  return {regex_error("a valid HTTP header must consist of alphanumeric characters or '-'", "[-A-Za-z0-9]+",
                      {"X-Header-Name"})};
}

std::vector<std::string> is_valid_percent(std::string_view value) {
  bool ok = value.size() >= 2 && value.back() == '%' &&
            std::all_of(value.begin(), value.end() - 1, [](char c) { return is_digit(c); });
  if (ok) return {};
  return {regex_error("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%",
                      {"1%", "93%"})};
}

bool is_ipv4(std::string_view value) {
  if (value.size() > INET_ADDRSTRLEN) return false;
  std::string text(value);
  unsigned char buf[sizeof(struct in_addr)];
  return inet_pton(AF_INET, text.c_str(), buf) == 1;
}

bool is_ipv6(std::string_view value) {
  if (value.size() > INET6_ADDRSTRLEN || value.find('.') != std::string_view::npos) {
    // Dotted forms ("::ffff:1.2.3.4") are IPv4-mapped addresses, which Kubernetes rejects.
    return false;
  }
  std::string text(value);
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

bool is_ip(std::string_view value) { return is_ipv4(value) || is_ipv6(value); }

std::string canonical_ip(std::string_view value) {
  std::string text(value);
  char out[INET6_ADDRSTRLEN];
  unsigned char buf[sizeof(struct in6_addr)];
  if (is_ipv4(value) && inet_pton(AF_INET, text.c_str(), buf) == 1) {
    return inet_ntop(AF_INET, buf, out, sizeof out) ? std::string(out) : std::string();
  }
  if (is_ipv6(value) && inet_pton(AF_INET6, text.c_str(), buf) == 1) {
    return inet_ntop(AF_INET6, buf, out, sizeof out) ? std::string(out) : std::string();
  }
  return {};
}

bool is_cidr(std::string_view value) {
  auto slash = value.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view addr = value.substr(0, slash);
  std::string_view bits = value.substr(slash + 1);
  if (bits.empty() || bits.size() > 3 || !std::all_of(bits.begin(), bits.end(), is_digit)) return false;
  if (bits.size() > 1 && bits.front() == '0') return false;
  int prefix = std::stoi(std::string(bits));
  if (is_ipv4(addr)) return prefix <= 32;
  if (is_ipv6(addr)) return prefix <= 128;
  return false;
}

FieldPath FieldPath::child(std::string_view name) const {
  return FieldPath(text_.empty() ? std::string(name) : text_ + "." + std::string(name));
}

FieldPath FieldPath::index(std::size_t i) const { return FieldPath(text_ + "[" + std::to_string(i) + "]"); }

FieldPath FieldPath::key(std::string_view k) const { return FieldPath(text_ + "[" + std::string(k) + "]"); }

}  // namespace k3s::object
