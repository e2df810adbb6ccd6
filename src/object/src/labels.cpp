#include "object/labels.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>

namespace k3s::object::labels {

namespace {

bool parse_int64(const std::string& text, long long& out) {
  if (text.empty()) return false;
  std::size_t start = (text[0] == '+' || text[0] == '-') ? 1 : 0;
  if (start == text.size()) return false;
  for (std::size_t i = start; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  errno = 0;
  char* end = nullptr;
  out = std::strtoll(text.c_str(), &end, 10);
  return errno == 0 && end == text.c_str() + text.size();
}

Json values_as_json(const std::vector<std::string>& values) {
  // Go marshals a nil []string as null; every empty list here stands for one.
  if (values.empty()) return nullptr;
  return Json(values);
}

FieldErrors requirement_errors(const std::string& key, Operator op, const std::vector<std::string>& values) {
  FieldErrors errs;
  if (auto msgs = is_qualified_name(key); !msgs.empty()) {
    std::string joined;
    for (auto& m : msgs) joined += (joined.empty() ? "" : "; ") + m;
    errs.invalid(FieldPath("key"), key, joined);
  }
  FieldPath values_path("values");
  switch (op) {
    case Operator::in:
    case Operator::not_in:
      if (values.empty()) {
        errs.invalid(values_path, values_as_json(values), "for 'in', 'notin' operators, values set can't be empty");
      }
      break;
    case Operator::equals:
    case Operator::double_equals:
    case Operator::not_equals:
      if (values.size() != 1) {
        errs.invalid(values_path, values_as_json(values), "exact-match compatibility requires one single value");
      }
      break;
    case Operator::exists:
    case Operator::does_not_exist:
      if (!values.empty()) {
        errs.invalid(values_path, values_as_json(values), "values set must be empty for exists and does not exist");
      }
      break;
    case Operator::greater_than:
    case Operator::less_than:
      if (values.size() != 1) {
        errs.invalid(values_path, values_as_json(values), "for 'Gt', 'Lt' operators, exactly one value is required");
      }
      for (std::size_t i = 0; i < values.size(); ++i) {
        long long ignored;
        if (!parse_int64(values[i], ignored)) {
          errs.invalid(values_path.index(i), values[i], "for 'Gt', 'Lt' operators, the value must be an integer");
        }
      }
      break;
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (auto msgs = is_valid_label_value(values[i]); !msgs.empty()) {
      std::string joined;
      for (auto& m : msgs) joined += (joined.empty() ? "" : "; ") + m;
      errs.invalid(values_path.index(i).key(key), values[i], joined);
    }
  }
  return errs;
}

// ---- lexer (same token classes as Kubernetes' so errors point at the same literal) ----

enum class Token {
  error,
  end_of_string,
  closed_par,
  comma,
  does_not_exist,
  double_equals,
  equals,
  greater_than,
  identifier,
  in,
  less_than,
  not_equals,
  not_in,
  open_par,
};

std::optional<Token> literal_token(std::string_view s) {
  if (s == ")") return Token::closed_par;
  if (s == ",") return Token::comma;
  if (s == "!") return Token::does_not_exist;
  if (s == "==") return Token::double_equals;
  if (s == "=") return Token::equals;
  if (s == ">") return Token::greater_than;
  if (s == "in") return Token::in;
  if (s == "<") return Token::less_than;
  if (s == "!=") return Token::not_equals;
  if (s == "notin") return Token::not_in;
  if (s == "(") return Token::open_par;
  return std::nullopt;
}

bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_special(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

struct Item {
  Token token;
  std::string literal;
};

std::vector<Item> scan(std::string_view s) {
  std::vector<Item> items;
  std::size_t pos = 0;
  while (true) {
    while (pos < s.size() && is_whitespace(s[pos])) ++pos;
    if (pos >= s.size() || s[pos] == '\0') {
      items.push_back({Token::end_of_string, ""});
      return items;
    }
    if (is_special(s[pos])) {
      std::string buffer;
      std::optional<Item> last;
      while (pos < s.size() && is_special(s[pos])) {
        buffer.push_back(s[pos]);
        if (auto t = literal_token(buffer)) {
          last = Item{*t, buffer};
          ++pos;
        } else if (last) {
          break;
        } else {
          ++pos;
        }
      }
      if (!last) {
        items.push_back({Token::error, "error expected: keyword found '" + buffer + "'"});
      } else {
        items.push_back(*last);
      }
      continue;
    }
    std::string buffer;
    while (pos < s.size() && s[pos] != '\0' && !is_special(s[pos]) && !is_whitespace(s[pos])) buffer.push_back(s[pos++]);
    if (auto t = literal_token(buffer)) {
      items.push_back({*t, buffer});
    } else {
      items.push_back({Token::identifier, buffer});
    }
  }
}

enum class Context { key_and_operator, values };

class Parser {
 public:
  explicit Parser(std::string_view text) : items_(scan(text)) {}

  std::vector<Requirement> parse() {
    std::vector<Requirement> requirements;
    while (true) {
      auto [tok, lit] = lookahead(Context::values);
      switch (tok) {
        case Token::identifier:
        case Token::does_not_exist: {
          try {
            requirements.push_back(parse_requirement());
          } catch (const SelectorError& e) {
            throw SelectorError(std::string("unable to parse requirement: ") + e.what());
          }
          auto [t, l] = consume(Context::values);
          if (t == Token::end_of_string) return requirements;
          if (t == Token::comma) {
            auto [t2, l2] = lookahead(Context::values);
            if (t2 != Token::identifier && t2 != Token::does_not_exist) {
              throw SelectorError("found '" + l2 + "', expected: identifier after ','");
            }
          } else {
            throw SelectorError("found '" + l + "', expected: ',' or 'end of string'");
          }
          break;
        }
        case Token::end_of_string:
          return requirements;
        default:
          throw SelectorError("found '" + lit + "', expected: !, identifier, or 'end of string'");
      }
    }
  }

 private:
  std::vector<Item> items_;
  std::size_t position_ = 0;

  static Token in_context(Token tok, Context context) {
    if (context == Context::values && (tok == Token::in || tok == Token::not_in)) return Token::identifier;
    return tok;
  }

  std::pair<Token, std::string> lookahead(Context context) const {
    const Item& item = items_[position_];
    return {in_context(item.token, context), item.literal};
  }

  std::pair<Token, std::string> consume(Context context) {
    const Item& item = items_[position_];
    // The scanner always ends with end_of_string; never step past it.
    if (position_ + 1 < items_.size()) ++position_;
    return {in_context(item.token, context), item.literal};
  }

  Requirement parse_requirement() {
    std::optional<Operator> op;
    auto [tok, key] = consume(Context::values);
    if (tok == Token::does_not_exist) {
      op = Operator::does_not_exist;
      std::tie(tok, key) = consume(Context::values);
    }
    if (tok != Token::identifier) throw SelectorError("found '" + key + "', expected: identifier");
    if (auto msgs = is_qualified_name(key); !msgs.empty()) {
      std::string joined;
      for (auto& m : msgs) joined += (joined.empty() ? "" : "; ") + m;
      FieldError err{FieldErrorType::invalid, "", key, joined};
      throw SelectorError(err.message());
    }
    if (auto [t, unused] = lookahead(Context::values); t == Token::end_of_string || t == Token::comma) {
      if (op != Operator::does_not_exist) op = Operator::exists;
    }
    if (op == Operator::exists || op == Operator::does_not_exist) return Requirement(key, *op, {});

    Operator binary = parse_operator();
    std::set<std::string> values;
    if (binary == Operator::in || binary == Operator::not_in) {
      values = parse_values();
    } else {
      values = parse_exact_value();
    }
    return Requirement(key, binary, std::vector<std::string>(values.begin(), values.end()));
  }

  Operator parse_operator() {
    auto [tok, lit] = consume(Context::key_and_operator);
    switch (tok) {
      case Token::in: return Operator::in;
      case Token::equals: return Operator::equals;
      case Token::double_equals: return Operator::double_equals;
      case Token::greater_than: return Operator::greater_than;
      case Token::less_than: return Operator::less_than;
      case Token::not_in: return Operator::not_in;
      case Token::not_equals: return Operator::not_equals;
      default:
        throw SelectorError("found '" + lit + "', expected: in, notin, =, ==, !=, gt, lt");
    }
  }

  std::set<std::string> parse_values() {
    auto [tok, lit] = consume(Context::values);
    if (tok != Token::open_par) throw SelectorError("found '" + lit + "' expected: '('");
    std::tie(tok, lit) = lookahead(Context::values);
    switch (tok) {
      case Token::identifier:
      case Token::comma: {
        auto values = parse_identifiers_list();
        if (consume(Context::values).first != Token::closed_par) {
          throw SelectorError("found '" + lit + "', expected: ')'");
        }
        return values;
      }
      case Token::closed_par:
        consume(Context::values);
        return {""};
      default:
        throw SelectorError("found '" + lit + "', expected: ',', ')' or identifier");
    }
  }

  std::set<std::string> parse_identifiers_list() {
    std::set<std::string> values;
    while (true) {
      auto [tok, lit] = consume(Context::values);
      switch (tok) {
        case Token::identifier: {
          values.insert(lit);
          auto [tok2, lit2] = lookahead(Context::values);
          if (tok2 == Token::comma) continue;
          if (tok2 == Token::closed_par) return values;
          throw SelectorError("found '" + lit2 + "', expected: ',' or ')'");
        }
        case Token::comma: {
          if (values.empty()) values.insert("");
          auto tok2 = lookahead(Context::values).first;
          if (tok2 == Token::closed_par) {
            values.insert("");
            return values;
          }
          if (tok2 == Token::comma) values.insert("");
          break;
        }
        default:
          throw SelectorError("found '" + lit + "', expected: ',', or identifier");
      }
    }
  }

  std::set<std::string> parse_exact_value() {
    auto tok = lookahead(Context::values).first;
    if (tok == Token::end_of_string || tok == Token::comma) return {""};
    auto [t, lit] = consume(Context::values);
    if (t == Token::identifier) return {lit};
    throw SelectorError("found '" + lit + "', expected: identifier");
  }
};

void sort_by_key(std::vector<Requirement>& reqs) {
  std::stable_sort(reqs.begin(), reqs.end(), [](const Requirement& a, const Requirement& b) { return a.key() < b.key(); });
}

}  // namespace

std::string_view operator_name(Operator op) {
  switch (op) {
    case Operator::equals: return "=";
    case Operator::double_equals: return "==";
    case Operator::not_equals: return "!=";
    case Operator::in: return "in";
    case Operator::not_in: return "notin";
    case Operator::exists: return "exists";
    case Operator::does_not_exist: return "!";
    case Operator::greater_than: return "gt";
    case Operator::less_than: return "lt";
  }
  return "";
}

Requirement::Requirement(std::string key, Operator op, std::vector<std::string> values)
    : key_(std::move(key)), op_(op), values_(std::move(values)) {
  FieldErrors errs = requirement_errors(key_, op_, values_);
  if (!errs.empty()) throw SelectorError(errs.aggregate_message());
}

Requirement Requirement::unchecked(std::string key, Operator op, std::vector<std::string> values) {
  Requirement r;
  r.key_ = std::move(key);
  r.op_ = op;
  r.values_ = std::move(values);
  return r;
}

bool Requirement::matches(const Set& labels) const {
  auto it = labels.find(key_);
  bool exists = it != labels.end();
  auto has_value = [&](const std::string& v) { return std::find(values_.begin(), values_.end(), v) != values_.end(); };
  switch (op_) {
    case Operator::in:
    case Operator::equals:
    case Operator::double_equals:
      return exists && has_value(it->second);
    case Operator::not_in:
    case Operator::not_equals:
      return !exists || !has_value(it->second);
    case Operator::exists:
      return exists;
    case Operator::does_not_exist:
      return !exists;
    case Operator::greater_than:
    case Operator::less_than: {
      long long have, want;
      if (!exists || values_.size() != 1 || !parse_int64(it->second, have) || !parse_int64(values_[0], want)) {
        return false;
      }
      return op_ == Operator::greater_than ? have > want : have < want;
    }
  }
  return false;
}

std::string Requirement::to_string() const {
  std::string out;
  if (op_ == Operator::does_not_exist) out += "!";
  out += key_;
  switch (op_) {
    case Operator::equals: out += "="; break;
    case Operator::double_equals: out += "=="; break;
    case Operator::not_equals: out += "!="; break;
    case Operator::in: out += " in "; break;
    case Operator::not_in: out += " notin "; break;
    case Operator::greater_than: out += ">"; break;
    case Operator::less_than: out += "<"; break;
    case Operator::exists:
    case Operator::does_not_exist:
      return out;
  }
  bool set_based = op_ == Operator::in || op_ == Operator::not_in;
  if (set_based) out += "(";
  std::vector<std::string> sorted = values_;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) out += ",";
    out += sorted[i];
  }
  if (set_based) out += ")";
  return out;
}

Selector Selector::nothing() {
  Selector s;
  s.nothing_ = true;
  return s;
}

Selector Selector::parse(std::string_view text) {
  Selector s;
  s.requirements_ = Parser(text).parse();
  sort_by_key(s.requirements_);
  return s;
}

Selector Selector::from_set(const Set& set) {
  Selector s;
  for (auto& [k, v] : set) {
    // No validation, like labels.SelectorFromSet: a bad key simply never matches stored labels.
    s.requirements_.push_back(Requirement::unchecked(k, Operator::equals, {v}));
  }
  return s;
}

Selector Selector::from_label_selector(const Json& label_selector) {
  if (label_selector.is_null()) return nothing();
  if (!label_selector.is_object()) throw SelectorError("label selector must be an object");
  Selector s;
  if (auto it = label_selector.find("matchLabels"); it != label_selector.end() && !it->is_null()) {
    if (!it->is_object()) throw SelectorError("matchLabels must be an object");
    for (auto& [k, v] : it->items()) {
      if (!v.is_string()) throw SelectorError("matchLabels values must be strings");
      s.requirements_.emplace_back(k, Operator::equals, std::vector<std::string>{v.get<std::string>()});
    }
  }
  if (auto it = label_selector.find("matchExpressions"); it != label_selector.end() && !it->is_null()) {
    if (!it->is_array()) throw SelectorError("matchExpressions must be a list");
    for (const Json& expr : *it) {
      if (!expr.is_object()) throw SelectorError("matchExpressions entries must be objects");
      std::string key = expr.value("key", "");
      std::string op_text = expr.contains("operator") && expr["operator"].is_string() ? expr["operator"].get<std::string>() : "";
      Operator op;
      if (op_text == "In") {
        op = Operator::in;
      } else if (op_text == "NotIn") {
        op = Operator::not_in;
      } else if (op_text == "Exists") {
        op = Operator::exists;
      } else if (op_text == "DoesNotExist") {
        op = Operator::does_not_exist;
      } else {
        throw SelectorError(go_quote(op_text) + " is not a valid label selector operator");
      }
      std::vector<std::string> values;
      if (auto v = expr.find("values"); v != expr.end() && !v->is_null()) {
        if (!v->is_array()) throw SelectorError("matchExpressions values must be a list");
        for (const Json& one : *v) {
          if (!one.is_string()) throw SelectorError("matchExpressions values must be strings");
          values.push_back(one.get<std::string>());
        }
      }
      s.requirements_.emplace_back(std::move(key), op, std::move(values));
    }
  }
  sort_by_key(s.requirements_);
  return s;
}

Selector Selector::add(Requirement requirement) const {
  Selector s = *this;
  s.requirements_.push_back(std::move(requirement));
  sort_by_key(s.requirements_);
  return s;
}

bool Selector::matches(const Set& labels) const {
  if (nothing_) return false;
  return std::all_of(requirements_.begin(), requirements_.end(), [&](const Requirement& r) { return r.matches(labels); });
}

std::optional<std::string> Selector::requires_exact_match(std::string_view key) const {
  for (auto& r : requirements_) {
    if (r.key() != key) continue;
    bool exact = r.op() == Operator::equals || r.op() == Operator::double_equals || r.op() == Operator::in;
    if (exact && r.values().size() == 1) return r.values()[0];
    return std::nullopt;
  }
  return std::nullopt;
}

std::string Selector::to_string() const {
  std::string out;
  for (auto& r : requirements_) {
    if (!out.empty()) out += ",";
    out += r.to_string();
  }
  return out;
}

std::string format_set(const Set& set) {
  std::string out;
  for (auto& [k, v] : set) {
    if (!out.empty()) out += ",";
    out += k + "=" + v;
  }
  return out;
}

void validate_labels(const Json& labels, const FieldPath& path, FieldErrors& errors) {
  if (labels.is_null()) return;
  if (!labels.is_object()) {
    errors.invalid(path, labels, "must be a map of string keys to string values");
    return;
  }
  for (auto& [k, v] : labels.items()) {
    errors.invalid_each(path, k, is_qualified_name(k));
    if (!v.is_string()) {
      errors.invalid(path, v, "label values must be strings");
      continue;
    }
    errors.invalid_each(path, v, is_valid_label_value(v.get<std::string>()));
  }
}

void validate_label_selector(const Json& label_selector, const FieldPath& path, FieldErrors& errors) {
  if (label_selector.is_null()) return;
  if (!label_selector.is_object()) {
    errors.invalid(path, label_selector, "must be a label selector object");
    return;
  }
  if (auto it = label_selector.find("matchLabels"); it != label_selector.end()) {
    validate_labels(*it, path.child("matchLabels"), errors);
  }
  auto exprs = label_selector.find("matchExpressions");
  if (exprs == label_selector.end() || exprs->is_null()) return;
  if (!exprs->is_array()) {
    errors.invalid(path.child("matchExpressions"), *exprs, "must be a list");
    return;
  }
  for (std::size_t i = 0; i < exprs->size(); ++i) {
    const Json& expr = (*exprs)[i];
    FieldPath expr_path = path.child("matchExpressions").index(i);
    if (!expr.is_object()) {
      errors.invalid(expr_path, expr, "must be an object");
      continue;
    }
    std::string op = expr.contains("operator") && expr["operator"].is_string() ? expr["operator"].get<std::string>() : "";
    const Json values = expr.contains("values") && expr["values"].is_array() ? expr["values"] : Json::array();
    if (op == "In" || op == "NotIn") {
      if (values.empty()) {
        errors.required(expr_path.child("values"), "must be specified when `operator` is 'In' or 'NotIn'");
      }
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (!values.empty()) {
        errors.forbidden(expr_path.child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
      }
    } else {
      errors.invalid(expr_path.child("operator"), op, "not a valid selector operator");
    }
    std::string key = expr.contains("key") && expr["key"].is_string() ? expr["key"].get<std::string>() : "";
    errors.invalid_each(expr_path.child("key"), key, is_qualified_name(key));
    for (std::size_t v = 0; v < values.size(); ++v) {
      if (!values[v].is_string()) {
        errors.invalid(expr_path.child("values").index(v), values[v], "must be a string");
        continue;
      }
      errors.invalid_each(expr_path.child("values").index(v), values[v], is_valid_label_value(values[v].get<std::string>()));
    }
  }
}

}  // namespace k3s::object::labels
