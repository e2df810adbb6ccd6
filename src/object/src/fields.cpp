#include "object/fields.h"

#include <algorithm>

namespace k3s::object::fields {

namespace {

std::vector<std::string> split_terms(std::string_view text) {
  std::vector<std::string> terms;
  if (text.empty()) return terms;
  std::size_t start = 0;
  bool in_slash = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_slash) {
      in_slash = false;
    } else if (c == '\\') {
      in_slash = true;
    } else if (c == ',') {
      terms.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.emplace_back(text.substr(start));
  return terms;
}

}  // namespace

std::string escape_value(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == ',' || c == '=') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string unescape_value(std::string_view value) {
  if (value.find_first_of("\\,=") == std::string_view::npos) return std::string(value);
  std::string out;
  bool in_slash = false;
  for (char c : value) {
    if (in_slash) {
      if (c != '\\' && c != ',' && c != '=') {
        throw SelectorError(std::string("invalid field selector: invalid escape sequence: \\") + c);
      }
      out.push_back(c);
      in_slash = false;
      continue;
    }
    if (c == '\\') {
      in_slash = true;
    } else if (c == ',' || c == '=') {
      // Go prints the rune with %v, i.e. its code point number.
      throw SelectorError("invalid field selector: unescaped character in value: " + std::to_string(static_cast<int>(c)));
    } else {
      out.push_back(c);
    }
  }
  if (in_slash) throw SelectorError("invalid field selector: invalid escape sequence: \\");
  return out;
}

Selector Selector::nothing() {
  Selector s;
  s.nothing_ = true;
  return s;
}

Selector Selector::parse(std::string_view text) {
  auto terms = split_terms(text);
  std::sort(terms.begin(), terms.end());
  Selector s;
  for (auto& term : terms) {
    if (term.empty()) continue;
    std::optional<Requirement> req;
    for (std::size_t i = 0; i < term.size() && !req; ++i) {
      std::string_view rest = std::string_view(term).substr(i);
      for (std::string_view op : {"!=", "==", "="}) {
        if (rest.substr(0, op.size()) == op) {
          req = Requirement{term.substr(0, i), op != "!=", unescape_value(rest.substr(op.size()))};
          break;
        }
      }
    }
    if (!req) {
      throw SelectorError("invalid selector: '" + std::string(text) + "'; can't understand '" + term + "'");
    }
    s.requirements_.push_back(std::move(*req));
  }
  return s;
}

Selector Selector::from_set(const Set& set) {
  Selector s;
  for (auto& [k, v] : set) s.requirements_.push_back({k, true, v});
  return s;
}

bool Selector::matches(const Set& fields) const {
  if (nothing_) return false;
  for (auto& r : requirements_) {
    auto it = fields.find(r.field);
    const std::string& have = it == fields.end() ? std::string() : it->second;
    if ((have == r.value) != r.equals) return false;
  }
  return true;
}

std::optional<std::string> Selector::requires_exact_match(std::string_view field) const {
  for (auto& r : requirements_) {
    if (r.field == field && r.equals) return r.value;
  }
  return std::nullopt;
}

std::string Selector::to_string() const {
  std::string out;
  for (auto& r : requirements_) {
    if (!out.empty()) out += ",";
    out += r.field + (r.equals ? "=" : "!=") + escape_value(r.value);
  }
  return out;
}

}  // namespace k3s::object::fields
