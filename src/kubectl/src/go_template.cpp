#include "go_template.h"

#include <memory>
#include <sstream>
#include <vector>

namespace k3s::kubectl {
namespace {

using Json = nlohmann::json;

struct Item {
  bool action = false;
  std::string text;  // literal text or the action's body
};

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\n\r");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\n\r");
  return s.substr(b, e - b + 1);
}

std::vector<Item> lex(const std::string& text) {
  std::vector<Item> items;
  std::size_t i = 0;
  bool trim_next = false;
  while (i < text.size()) {
    auto open = text.find("{{", i);
    std::string literal = text.substr(i, open == std::string::npos ? std::string::npos : open - i);
    if (trim_next) literal.erase(0, literal.find_first_not_of(" \t\n\r") == std::string::npos ? literal.size() : literal.find_first_not_of(" \t\n\r"));
    trim_next = false;
    if (open == std::string::npos) {
      if (!literal.empty()) items.push_back({false, literal});
      break;
    }
    auto close = text.find("}}", open + 2);
    if (close == std::string::npos) throw TemplateError("unclosed action");
    std::string body = text.substr(open + 2, close - open - 2);
    if (!body.empty() && body[0] == '-' && body.size() > 1 && body[1] == ' ') {
      auto end = literal.find_last_not_of(" \t\n\r");
      literal = end == std::string::npos ? "" : literal.substr(0, end + 1);
      body = body.substr(1);
    }
    if (body.size() >= 2 && body.back() == '-' && body[body.size() - 2] == ' ') {
      body.pop_back();
      trim_next = true;
    }
    if (!literal.empty()) items.push_back({false, literal});
    items.push_back({true, trim(body)});
    i = close + 2;
  }
  return items;
}

std::vector<std::string> split_args(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ' || s[i] == '\t') {
      ++i;
      continue;
    }
    std::size_t start = i;
    if (s[i] == '"' || s[i] == '`') {
      char q = s[i++];
      while (i < s.size() && s[i] != q) {
        if (s[i] == '\\' && q == '"') ++i;
        ++i;
      }
      ++i;
    } else if (s[i] == '(') {
      int depth = 0;
      for (; i < s.size(); ++i) {
        if (s[i] == '(') ++depth;
        if (s[i] == ')' && --depth == 0) {
          ++i;
          break;
        }
      }
    } else {
      while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    }
    out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string go_print(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "<no value>";
  if (v.is_object()) {
    std::string out = "map[";
    bool first = true;
    for (const auto& [k, x] : v.items()) {
      if (!first) out += " ";
      first = false;
      out += k + ":" + go_print(x);
    }
    return out + "]";
  }
  if (v.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + go_print(v[i]);
    return out + "]";
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d == static_cast<double>(static_cast<long long>(d))) return std::to_string(static_cast<long long>(d));
  }
  return v.dump();
}

bool truthy(const Json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string() || v.is_array() || v.is_object()) return !v.empty();
  if (v.is_number()) return v.get<double>() != 0;
  return true;
}

class Runner {
 public:
  Runner(std::vector<Item> items, const Json& root) : items_(std::move(items)), root_(root) {}

  std::string run() {
    std::string out;
    std::size_t i = 0;
    block(i, root_, out, true);
    return out;
  }

 private:
  Json field(const Json& dot, const std::string& path) {
    if (path == ".") return dot;
    const Json* cur = path[0] == '$' ? &root_ : &dot;
    std::string p = path[0] == '$' ? path.substr(1) : path;
    std::stringstream ss(p);
    std::string part;
    Json value = *cur;
    while (std::getline(ss, part, '.')) {
      if (part.empty()) continue;
      if (!value.is_object() || !value.contains(part)) return nullptr;
      value = value[part];
    }
    return value;
  }

  Json evaluate(const std::string& expr, const Json& dot) {
    auto args = split_args(expr);
    if (args.empty()) throw TemplateError("missing value for command");
    auto arg = [&](const std::string& a) -> Json {
      if (a.empty()) return nullptr;
      if (a[0] == '"') {
        std::string out;
        for (std::size_t i = 1; i + 1 < a.size(); ++i) {
          if (a[i] == '\\' && i + 2 < a.size()) {
            char n = a[++i];
            out += n == 'n' ? '\n' : n == 't' ? '\t' : n;
          } else {
            out += a[i];
          }
        }
        return out;
      }
      if (a[0] == '`') return a.substr(1, a.size() - 2);
      if (a[0] == '(') return evaluate(a.substr(1, a.size() - 2), dot);
      if (a[0] == '.' || a[0] == '$') return field(dot, a);
      if (a == "true") return true;
      if (a == "false") return false;
      try {
        std::size_t used = 0;
        long long n = std::stoll(a, &used);
        if (used == a.size()) return n;
      } catch (...) {
      }
      throw TemplateError("function \"" + a + "\" not defined");
    };
    const std::string& fn = args[0];
    if (fn == "index") {
      Json v = arg(args.at(1));
      for (std::size_t i = 2; i < args.size(); ++i) {
        Json k = arg(args[i]);
        if (v.is_object() && k.is_string()) {
          v = v.contains(k.get<std::string>()) ? v[k.get<std::string>()] : Json();
        } else if (v.is_array() && k.is_number_integer()) {
          auto n = k.get<long long>();
          if (n < 0 || n >= static_cast<long long>(v.size())) throw TemplateError("index out of range: " + std::to_string(n));
          v = v[static_cast<std::size_t>(n)];
        } else {
          v = nullptr;
        }
      }
      return v;
    }
    if (fn == "len") {
      Json v = arg(args.at(1));
      return static_cast<long long>(v.is_array() || v.is_object() || v.is_string() ? (v.is_string() ? v.get<std::string>().size() : v.size()) : 0);
    }
    if (fn == "eq" || fn == "ne") {
      bool eq = arg(args.at(1)) == arg(args.at(2));
      return fn == "eq" ? eq : !eq;
    }
    if (fn == "not") return !truthy(arg(args.at(1)));
    if (fn == "printf") {
      std::string format = arg(args.at(1)).get<std::string>();
      std::string out;
      std::size_t next = 2;
      for (std::size_t i = 0; i < format.size(); ++i) {
        if (format[i] == '%' && i + 1 < format.size()) {
          char verb = format[++i];
          if (verb == '%') {
            out += '%';
          } else if (next < args.size()) {
            out += go_print(arg(args[next++]));
          }
        } else {
          out += format[i];
        }
      }
      return out;
    }
    if (args.size() == 1) return arg(fn);
    throw TemplateError("function \"" + fn + "\" not defined");
  }

  // Runs items until {{end}} or {{else}} (returned through `stop`).
  std::string block(std::size_t& i, const Json& dot, std::string& out, bool emit) {
    while (i < items_.size()) {
      const Item& item = items_[i++];
      if (!item.action) {
        if (emit) out += item.text;
        continue;
      }
      const std::string& body = item.text;
      if (body == "end" || body == "else") return body;
      if (body.rfind("/*", 0) == 0) continue;
      if (body.rfind("range ", 0) == 0 || body.rfind("if ", 0) == 0 || body.rfind("with ", 0) == 0) {
        bool is_range = body[0] == 'r';
        bool is_with = body[0] == 'w';
        std::string expr = body.substr(body.find(' ') + 1);
        Json value = emit ? evaluate(expr, dot) : Json();
        std::size_t start = i;
        if (is_range && emit && (value.is_array() || value.is_object()) && !value.empty()) {
          std::string stop;
          for (const auto& element : value) {
            i = start;
            std::string ignored;
            stop = block(i, element, out, true);
          }
          if (stop == "else") block(i, dot, out, false);
        } else if (!is_range && emit && truthy(value)) {
          std::string stop = block(i, is_with ? value : dot, out, true);
          if (stop == "else") block(i, dot, out, false);
        } else {
          std::string stop = block(i, dot, out, false);
          if (stop == "else") block(i, dot, out, emit);
        }
        continue;
      }
      if (emit) out += go_print(evaluate(body, dot));
    }
    return "";
  }

  std::vector<Item> items_;
  const Json& root_;
};

}  // namespace

std::string execute_go_template(const std::string& text, const nlohmann::json& data) {
  Runner runner(lex(text), data);
  return runner.run();
}

}  // namespace k3s::kubectl
