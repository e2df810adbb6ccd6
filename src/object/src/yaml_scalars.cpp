// Plain YAML scalars resolved as go-yaml v2 resolves them (YAML 1.1).
#include "yaml_scalars.h"

#include <regex>
#include <stdexcept>
#include <vector>

namespace k3s::object {
namespace {

using Json = nlohmann::json;

bool is_int_text(const std::string& text, long long& out) {
  std::string s;
  for (char c : text) {
    if (c != '_') s += c;
  }
  if (s.empty()) return false;
  std::size_t i = 0;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    i = 1;
  }
  if (i >= s.size()) return false;
  int base = 10;
  if (s.size() > i + 1 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
    base = 16;
    i += 2;
  } else if (s.size() > i + 1 && s[i] == '0' && (s[i + 1] == 'b' || s[i + 1] == 'B')) {
    base = 2;
    i += 2;
  } else if (s.size() > i + 1 && s[i] == '0' && (s[i + 1] == 'o' || s[i + 1] == 'O')) {
    base = 8;
    i += 2;
  } else if (s.size() > i + 1 && s[i] == '0') {
    base = 8;
    i += 1;
  }
  if (i >= s.size()) return false;
  try {
    std::size_t used = 0;
    long long v = std::stoll(s.substr(i), &used, base);
    if (used != s.size() - i) return false;
    out = negative ? -v : v;
    return true;
  } catch (...) {
    return false;
  }
}

const std::regex& float_pattern() {
  static const std::regex re(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  return re;
}

const std::regex& timestamp_pattern() {
  static const std::regex re(
      R"(^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)?$)");
  return re;
}

const std::regex& base60_pattern() {
  static const std::regex re(R"(^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$)");
  return re;
}

}  // namespace

Json resolve_plain(const std::string& s) {
  static const std::vector<std::string> trues = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"};
  static const std::vector<std::string> falses = {"n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"};
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  for (const auto& t : trues) {
    if (s == t) return true;
  }
  for (const auto& f : falses) {
    if (s == f) return false;
  }
  if (std::string("+-.0123456789").find(s[0]) != std::string::npos) {
    long long v = 0;
    if (is_int_text(s, v)) return v;
    if (std::regex_match(s, float_pattern())) {
      // Beyond double ("1e400"): go-yaml's ParseFloat fails and the scalar stays a string.
      double d = 0;
      try {
        d = std::stod(s);
      } catch (const std::out_of_range&) {
        return s;
      }
      // An integer too large for int64: go-yaml tries uint64, then float.
      if (s.find_first_of(".eE") == std::string::npos && s[0] != '-') {
        std::string digits;
        for (char c : s)
          if (c != '_' && c != '+') digits += c;
        try {
          std::size_t used = 0;
          unsigned long long u = std::stoull(digits, &used, 10);
          if (used == digits.size()) return u;
        } catch (const std::exception&) {
        }
      }
      return d;
    }
    if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "-.inf") return s;  // JSON has no inf
  }
  return s;
}

bool looks_like_timestamp(const std::string& s) { return std::regex_match(s, timestamp_pattern()); }
bool looks_like_base60_float(const std::string& s) { return std::regex_match(s, base60_pattern()); }

}  // namespace k3s::object
