#include "jsonpath.h"

#include <cstdlib>
#include <cstring>

namespace k3s::kubectl {

// One parsed piece of a template.
struct JsonPath::Node {
  enum class Type { text, expression, range, end } type = Type::text;
  std::string text;  // literal text
  struct Step {
    enum class Kind { field, recursive, index, wildcard, filter, union_ } kind = Kind::field;
    std::string name;                     // field / recursive
    std::vector<std::string> names;       // union of fields
    bool has_start = false, has_end = false, is_slice = false;
    long long start = 0, end = 0, step = 1;
    std::string filter_left, filter_op, filter_right;  // [?(@.a == "b")]
  };
  std::vector<Step> steps;
  bool literal = false;  // {"text"}
};

namespace {

using Node = JsonPath::Node;
using Step = Node::Step;

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string unquote(const std::string& s) {
  if (s.size() >= 2 && ((s.front() == '"' && s.back() == '"') || (s.front() == '\'' && s.back() == '\''))) {
    std::string out;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
      if (s[i] == '\\' && i + 2 < s.size()) {
        char n = s[++i];
        out += n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n;
      } else {
        out += s[i];
      }
    }
    return out;
  }
  return s;
}

std::vector<Step> parse_path(const std::string& text);

Step parse_bracket(const std::string& inside) {
  Step s;
  std::string t = trim(inside);
  if (t == "*") {
    s.kind = Step::Kind::wildcard;
    return s;
  }
  if (!t.empty() && t[0] == '?') {
    s.kind = Step::Kind::filter;
    std::string expr = trim(t.substr(1));
    if (expr.size() >= 2 && expr.front() == '(' && expr.back() == ')') expr = trim(expr.substr(1, expr.size() - 2));
    static const char* ops[] = {"==", "!=", "<=", ">=", "<", ">"};
    std::size_t pos = std::string::npos;
    std::string op;
    for (const char* candidate : ops) {
      // the first operator outside quotes
      bool quoted = false;
      char q = 0;
      for (std::size_t i = 0; i + std::strlen(candidate) <= expr.size(); ++i) {
        char c = expr[i];
        if (quoted) {
          if (c == q) quoted = false;
          continue;
        }
        if (c == '"' || c == '\'') {
          quoted = true;
          q = c;
          continue;
        }
        if (expr.compare(i, std::strlen(candidate), candidate) == 0) {
          if (i < pos) {
            pos = i;
            op = candidate;
          }
          break;
        }
      }
    }
    if (pos == std::string::npos) {
      s.filter_left = expr;
    } else {
      s.filter_left = trim(expr.substr(0, pos));
      s.filter_op = op;
      s.filter_right = trim(expr.substr(pos + op.size()));
    }
    return s;
  }
  if (!t.empty() && (t[0] == '\'' || t[0] == '"')) {
    // ['a'] or ['a','b']
    s.kind = Step::Kind::union_;
    std::size_t i = 0;
    while (i < t.size()) {
      char q = t[i];
      auto close = t.find(q, i + 1);
      if (close == std::string::npos) throw JsonPathError("unterminated string in " + inside);
      s.names.push_back(t.substr(i + 1, close - i - 1));
      i = t.find_first_not_of(" ,", close + 1);
      if (i == std::string::npos) break;
    }
    if (s.names.size() == 1) {
      s.kind = Step::Kind::field;
      s.name = s.names[0];
    }
    return s;
  }
  s.kind = Step::Kind::index;
  auto colon = t.find(':');
  auto parse_int = [&](const std::string& v) -> long long {
    char* endp = nullptr;
    long long n = std::strtoll(v.c_str(), &endp, 10);
    if (v.empty() || *endp) throw JsonPathError("invalid array index " + v);
    return n;
  };
  if (colon == std::string::npos) {
    s.has_start = true;
    s.start = parse_int(t);
    return s;
  }
  s.is_slice = true;
  std::string a = trim(t.substr(0, colon));
  std::string rest = t.substr(colon + 1);
  std::string b = rest, c;
  if (auto c2 = rest.find(':'); c2 != std::string::npos) {
    b = rest.substr(0, c2);
    c = trim(rest.substr(c2 + 1));
  }
  b = trim(b);
  if (!a.empty()) {
    s.has_start = true;
    s.start = parse_int(a);
  }
  if (!b.empty()) {
    s.has_end = true;
    s.end = parse_int(b);
  }
  if (!c.empty()) s.step = parse_int(c);
  return s;
}

std::vector<Step> parse_path(const std::string& text) {
  std::vector<Step> steps;
  std::size_t i = 0;
  std::string t = text;
  if (!t.empty() && (t[0] == '@' || t[0] == '$')) i = 1;
  while (i < t.size()) {
    char c = t[i];
    if (c == '.') {
      bool recursive = i + 1 < t.size() && t[i + 1] == '.';
      i += recursive ? 2 : 1;
      // "\." keeps a dot inside a key (kubectl\.kubernetes\.io/...).
      std::string name;
      while (i < t.size() && t[i] != '.' && t[i] != '[') {
        if (t[i] == '\\' && i + 1 < t.size()) ++i;
        name += t[i++];
      }
      Step s;
      if (recursive) {
        s.kind = Step::Kind::recursive;
        s.name = name;
        steps.push_back(s);
      } else if (name == "*") {
        s.kind = Step::Kind::wildcard;
        steps.push_back(s);
      } else if (!name.empty()) {
        s.name = name;
        steps.push_back(s);
      }
    } else if (c == '[') {
      // find the matching ] outside quotes and parentheses
      int depth = 0;
      char q = 0;
      std::size_t j = i + 1;
      for (; j < t.size(); ++j) {
        char d = t[j];
        if (q) {
          if (d == q) q = 0;
          continue;
        }
        if (d == '"' || d == '\'') q = d;
        else if (d == '(') ++depth;
        else if (d == ')') --depth;
        else if (d == ']' && depth == 0) break;
      }
      if (j >= t.size()) throw JsonPathError("unterminated array");
      steps.push_back(parse_bracket(t.substr(i + 1, j - i - 1)));
      i = j + 1;
    } else {
      std::size_t start = i;
      while (i < t.size() && t[i] != '.' && t[i] != '[') ++i;
      Step s;
      s.name = t.substr(start, i - start);
      steps.push_back(s);
    }
  }
  return steps;
}

void collect_recursive(const Json& v, const std::string& name, std::vector<Json>& out) {
  if (v.is_object()) {
    if (name.empty() || name == "*") {
      for (const auto& [k, child] : v.items()) out.push_back(child);
    } else if (auto it = v.find(name); it != v.end()) {
      out.push_back(*it);
    }
    for (const auto& [k, child] : v.items()) collect_recursive(child, name, out);
  } else if (v.is_array()) {
    for (const auto& child : v) collect_recursive(child, name, out);
  }
}

std::vector<Json> evaluate(const std::vector<Step>& steps, const Json& root, bool allow_missing);

Json filter_operand(const std::string& text, const Json& item, bool& ok) {
  ok = true;
  if (text.empty()) {
    ok = false;
    return nullptr;
  }
  if (text[0] == '@' || text[0] == '$') {
    auto r = evaluate(parse_path(text), item, true);
    if (r.empty()) {
      ok = false;
      return nullptr;
    }
    return r.front();
  }
  if (text[0] == '"' || text[0] == '\'') return unquote(text);
  if (text == "true") return true;
  if (text == "false") return false;
  char* endp = nullptr;
  double d = std::strtod(text.c_str(), &endp);
  if (!*endp) return d;
  return text;
}

bool compare(const Json& a, const std::string& op, const Json& b) {
  if (a.is_number() && b.is_number()) {
    double x = a.get<double>(), y = b.get<double>();
    if (op == "==") return x == y;
    if (op == "!=") return x != y;
    if (op == "<") return x < y;
    if (op == ">") return x > y;
    if (op == "<=") return x <= y;
    if (op == ">=") return x >= y;
  }
  if (op == "==") return a == b;
  if (op == "!=") return a != b;
  if (a.is_string() && b.is_string()) {
    auto x = a.get<std::string>(), y = b.get<std::string>();
    if (op == "<") return x < y;
    if (op == ">") return x > y;
    if (op == "<=") return x <= y;
    if (op == ">=") return x >= y;
  }
  return false;
}

std::vector<Json> evaluate(const std::vector<Step>& steps, const Json& root, bool allow_missing) {
  std::vector<Json> current{root};
  for (const auto& step : steps) {
    std::vector<Json> next;
    for (const auto& v : current) {
      switch (step.kind) {
        case Step::Kind::field:
          if (v.is_object()) {
            if (auto it = v.find(step.name); it != v.end()) {
              next.push_back(*it);
            } else if (!allow_missing) {
              throw JsonPathError(step.name + " is not found");
            }
          } else if (!allow_missing && !v.is_null()) {
            throw JsonPathError(step.name + " is not found");
          }
          break;
        case Step::Kind::union_:
          if (v.is_object()) {
            for (const auto& n : step.names) {
              if (auto it = v.find(n); it != v.end()) next.push_back(*it);
            }
          }
          break;
        case Step::Kind::recursive:
          collect_recursive(v, step.name, next);
          break;
        case Step::Kind::wildcard:
          if (v.is_object() || v.is_array()) {
            for (const auto& child : v) next.push_back(child);
          }
          break;
        case Step::Kind::index: {
          if (!v.is_array()) break;
          long long n = static_cast<long long>(v.size());
          if (!step.is_slice) {
            long long i = step.start < 0 ? step.start + n : step.start;
            if (i < 0 || i >= n) {
              if (!allow_missing) throw JsonPathError("array index out of bounds: index " + std::to_string(step.start) +
                                                      ", length " + std::to_string(n));
              break;
            }
            next.push_back(v[static_cast<std::size_t>(i)]);
            break;
          }
          long long a = step.has_start ? (step.start < 0 ? step.start + n : step.start) : 0;
          long long b = step.has_end ? (step.end < 0 ? step.end + n : step.end) : n;
          a = std::max(0LL, std::min(a, n));
          b = std::max(0LL, std::min(b, n));
          for (long long i = a; i < b; i += std::max(1LL, step.step)) next.push_back(v[static_cast<std::size_t>(i)]);
          break;
        }
        case Step::Kind::filter: {
          std::vector<Json> items;
          if (v.is_array()) {
            for (const auto& c : v) items.push_back(c);
          } else {
            items.push_back(v);
          }
          for (const auto& item : items) {
            bool ok_left = false, ok_right = false;
            Json left = filter_operand(step.filter_left, item, ok_left);
            if (step.filter_op.empty()) {
              if (ok_left) next.push_back(item);
              continue;
            }
            Json right = filter_operand(step.filter_right, item, ok_right);
            if (ok_left && ok_right && compare(left, step.filter_op, right)) next.push_back(item);
          }
          break;
        }
      }
    }
    current = std::move(next);
  }
  return current;
}

void parse_template(const std::string& text, std::vector<std::shared_ptr<Node>>& nodes) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto open = text.find('{', i);
    if (open == std::string::npos) {
      auto n = std::make_shared<Node>();
      n->text = text.substr(i);
      nodes.push_back(n);
      break;
    }
    if (open > i) {
      auto n = std::make_shared<Node>();
      n->text = text.substr(i, open - i);
      nodes.push_back(n);
    }
    // find the closing brace outside quotes
    std::size_t j = open + 1;
    char q = 0;
    for (; j < text.size(); ++j) {
      char c = text[j];
      if (q) {
        if (c == '\\') {
          ++j;
          continue;
        }
        if (c == q) q = 0;
        continue;
      }
      if (c == '"' || c == '\'') q = c;
      else if (c == '}') break;
    }
    if (j >= text.size()) throw JsonPathError("unclosed action");
    std::string inside = trim(text.substr(open + 1, j - open - 1));
    auto n = std::make_shared<Node>();
    if (inside == "end") {
      n->type = Node::Type::end;
    } else if (inside.rfind("range ", 0) == 0) {
      n->type = Node::Type::range;
      n->steps = parse_path(trim(inside.substr(6)));
    } else if (!inside.empty() && (inside[0] == '"' || inside[0] == '\'')) {
      n->type = Node::Type::text;
      n->text = unquote(inside);
    } else {
      n->type = Node::Type::expression;
      n->steps = parse_path(inside);
    }
    nodes.push_back(n);
    i = j + 1;
  }
}

void run(const std::vector<std::shared_ptr<Node>>& nodes, std::size_t begin, std::size_t end, const Json& data,
         bool allow_missing, std::string& out, Json* as_json) {
  for (std::size_t i = begin; i < end; ++i) {
    const Node& n = *nodes[i];
    if (n.type == Node::Type::text) {
      if (!as_json) out += n.text;
    } else if (n.type == Node::Type::expression) {
      auto results = evaluate(n.steps, data, allow_missing);
      if (as_json) {
        for (auto& r : results) as_json->push_back(r);
        continue;
      }
      for (std::size_t k = 0; k < results.size(); ++k) {
        if (k) out += " ";
        out += jsonpath_text(results[k]);
      }
    } else if (n.type == Node::Type::range) {
      // the matching end
      int depth = 0;
      std::size_t close = i + 1;
      for (; close < end; ++close) {
        if (nodes[close]->type == Node::Type::range) ++depth;
        if (nodes[close]->type == Node::Type::end) {
          if (depth == 0) break;
          --depth;
        }
      }
      if (close >= end) throw JsonPathError("not in range, nothing to end");
      auto results = evaluate(n.steps, data, allow_missing);
      std::vector<Json> items;
      if (results.size() == 1 && results[0].is_array()) {
        for (const auto& item : results[0]) items.push_back(item);
      } else {
        items = results;
      }
      for (const auto& item : items) run(nodes, i + 1, close, item, allow_missing, out, as_json);
      i = close;
    } else {
      throw JsonPathError("not in range, nothing to end");
    }
  }
}

}  // namespace

std::string jsonpath_text(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "null";
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

JsonPath::JsonPath(const std::string& template_text) { parse_template(template_text, nodes_); }
JsonPath::~JsonPath() = default;
JsonPath::JsonPath(JsonPath&&) noexcept = default;

std::string JsonPath::execute(const Json& data, bool allow_missing) const {
  std::string out;
  run(nodes_, 0, nodes_.size(), data, allow_missing, out, nullptr);
  return out;
}

Json JsonPath::execute_as_json(const Json& data) const {
  std::string ignored;
  Json out = Json::array();
  run(nodes_, 0, nodes_.size(), data, true, ignored, &out);
  return out;
}

}  // namespace k3s::kubectl
