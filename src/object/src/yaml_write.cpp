// JSON into the YAML text sigs.k8s.io/yaml writes.
#include <sstream>

#include "object/yaml.h"
#include "yaml_scalars.h"

namespace k3s::object {
namespace {

using Json = nlohmann::json;

bool is_printable(unsigned char c) { return c == '\n' || (c >= 0x20 && c != 0x7f) || c >= 0x80; }

bool resolves_to_non_string(const std::string& s) {
  Json v = resolve_plain(s);
  if (!v.is_string()) return true;
  if (looks_like_timestamp(s) || looks_like_base60_float(s)) return true;
  if (s == "<<" || s == ".nan" || s == ".NaN" || s == ".NAN" || s == ".inf" || s == ".Inf" || s == ".INF" ||
      s == "+.inf" || s == "+.Inf" || s == "+.INF" || s == "-.inf" || s == "-.Inf" || s == "-.INF") {
    return true;
  }
  return false;
}

struct ScalarAnalysis {
  bool plain_allowed = true;
  bool single_allowed = true;
  bool block_allowed = true;
};

bool is_blank_at(const std::string& s, std::size_t i) {
  return i >= s.size() || s[i] == ' ' || s[i] == '\t' || s[i] == '\n';
}

ScalarAnalysis analyze(const std::string& s) {
  ScalarAnalysis a;
  if (s.empty()) return a;
  if ((s.rfind("---", 0) == 0 || s.rfind("...", 0) == 0) && is_blank_at(s, 3)) {
    a.plain_allowed = false;
  }
  bool special = false, space_break = false, break_space = false;
  bool prev_space = false, prev_break = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (i == 0) {
      if (std::string("#,[]{}&*!|>'\"%@`").find(static_cast<char>(c)) != std::string::npos) a.plain_allowed = false;
      if ((c == '?' || c == ':' || c == '-') && is_blank_at(s, 1)) a.plain_allowed = false;
      if (c == '?' || c == ':') a.plain_allowed = a.plain_allowed && !is_blank_at(s, 1);
    } else {
      if (c == ':' && is_blank_at(s, i + 1)) a.plain_allowed = false;
      if (c == '#' && (s[i - 1] == ' ' || s[i - 1] == '\t')) a.plain_allowed = false;
    }
    if (!is_printable(c) || c == '\t') special = true;
    if (c == ' ') {
      if (prev_break) break_space = true;
      prev_space = true;
      prev_break = false;
    } else if (c == '\n') {
      if (prev_space) space_break = true;
      prev_break = true;
      prev_space = false;
    } else {
      prev_space = prev_break = false;
    }
  }
  if (s.front() == ' ' || s.front() == '\n' || s.back() == ' ' || s.back() == '\n') a.plain_allowed = false;
  if (s.back() == ' ') a.block_allowed = false;
  if (break_space) a.plain_allowed = a.single_allowed = false;
  if (space_break || special) a.plain_allowed = a.single_allowed = a.block_allowed = false;
  return a;
}

std::string double_quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case 0: out += "\\0"; break;
      case 0x07: out += "\\a"; break;
      case 0x08: out += "\\b"; break;
      case 0x0b: out += "\\v"; break;
      case 0x0c: out += "\\f"; break;
      case 0x1b: out += "\\e"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02X", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

class Emitter {
 public:
  std::string text() const { return out_.str(); }

  // Writes `value` for a position where the current line already holds `column`
  // characters; `indent` is where this node's nested content goes.
  void node(const Json& value, int indent, bool after_dash);
  void mapping(const Json& map, int indent, bool first_inline);
  void sequence(const Json& seq, int indent, bool first_inline);
  void scalar(const Json& value, int indent, bool simple_key);

 private:
  void write(const std::string& s) {
    out_ << s;
    for (char c : s) column_ = c == '\n' ? 0 : column_ + 1;
  }
  void newline_indent(int indent) {
    write("\n");
    write(std::string(static_cast<std::size_t>(indent), ' '));
  }
  void string_scalar(const std::string& s, int indent, bool simple_key);

  std::ostringstream out_;
  int column_ = 0;
};

void Emitter::string_scalar(const std::string& s, int indent, bool simple_key) {
  ScalarAnalysis a = analyze(s);
  bool multiline = s.find('\n') != std::string::npos;
  if (multiline && !simple_key && a.block_allowed) {
    // Literal block: chomping indicator from the trailing newlines.
    std::string header = "|";
    if (!s.empty() && (s[0] == ' ' || s[0] == '\n')) header += "2";
    if (s.back() != '\n') {
      header += "-";
    } else if (s.size() >= 2 && s[s.size() - 2] == '\n') {
      header += "+";
    }
    write(header);
    std::string body = s;
    if (!body.empty() && body.back() == '\n') body.pop_back();
    std::size_t start = 0;
    while (true) {
      auto nl = body.find('\n', start);
      std::string line = body.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      write("\n");
      if (!line.empty()) write(std::string(static_cast<std::size_t>(indent), ' ') + line);
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    return;
  }
  bool plain = !multiline && !s.empty() && a.plain_allowed && !resolves_to_non_string(s);
  if (plain) {
    // go-yaml folds long plain scalars at a space once past column 80 (not in keys).
    bool spaces = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == ' ') {
        if (!simple_key && !spaces && column_ > 80 && !(i + 1 < s.size() && s[i + 1] == ' ')) {
          newline_indent(indent);
        } else {
          write(" ");
        }
        spaces = true;
      } else {
        write(std::string(1, s[i]));
        spaces = false;
      }
    }
    return;
  }
  if (!multiline && !s.empty() && a.single_allowed && !resolves_to_non_string(s) && !simple_key) {
    std::string quoted = "'";
    for (char c : s) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    write(quoted + "'");
    return;
  }
  if (!multiline && !s.empty() && a.single_allowed && !resolves_to_non_string(s)) {
    std::string quoted = "'";
    for (char c : s) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    write(quoted + "'");
    return;
  }
  write(double_quoted(s));
}

void Emitter::scalar(const Json& value, int indent, bool simple_key) {
  if (value.is_string()) {
    string_scalar(value.get<std::string>(), indent, simple_key);
  } else if (value.is_null()) {
    write("null");
  } else if (value.is_boolean()) {
    write(value.get<bool>() ? "true" : "false");
  } else {
    write(value.dump());
  }
}

void Emitter::mapping(const Json& map, int indent, bool first_inline) {
  bool first = true;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!(first && first_inline)) {
      if (column_ != 0 || !first) newline_indent(indent);
      else write(std::string(static_cast<std::size_t>(indent), ' '));
    }
    first = false;
    scalar(Json(it.key()), indent, true);
    write(":");
    const Json& v = it.value();
    if (v.is_object() && !v.empty()) {
      mapping(v, indent + 2, false);
    } else if (v.is_array() && !v.empty()) {
      sequence(v, indent, false);
    } else if (v.is_object()) {
      write(" {}");
    } else if (v.is_array()) {
      write(" []");
    } else {
      write(" ");
      scalar(v, indent + 2, false);
    }
  }
}

void Emitter::sequence(const Json& seq, int indent, bool first_inline) {
  bool first = true;
  for (const auto& item : seq) {
    if (!(first && first_inline)) {
      if (column_ != 0 || !first) newline_indent(indent);
      else write(std::string(static_cast<std::size_t>(indent), ' '));
    }
    first = false;
    write("- ");
    if (item.is_object() && !item.empty()) {
      mapping(item, indent + 2, true);
    } else if (item.is_array() && !item.empty()) {
      sequence(item, indent + 2, true);
    } else if (item.is_object()) {
      write("{}");
    } else if (item.is_array()) {
      write("[]");
    } else {
      scalar(item, indent + 2, false);
    }
  }
}

void Emitter::node(const Json& value, int indent, bool) {
  if (value.is_object() && !value.empty()) {
    mapping(value, indent, false);
  } else if (value.is_array() && !value.empty()) {
    sequence(value, indent, false);
  } else if (value.is_object()) {
    write("{}");
  } else if (value.is_array()) {
    write("[]");
  } else {
    scalar(value, indent, false);
  }
}

}  // namespace

std::string to_yaml(const Json& value) {
  Emitter e;
  e.node(value, 0, false);
  std::string out = e.text();
  out += "\n";
  return out;
}

}  // namespace k3s::object
