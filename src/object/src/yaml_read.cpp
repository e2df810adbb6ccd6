// YAML into JSON as sigs.k8s.io/yaml converts it (go-yaml v2 underneath), with go-yaml's
// error wording. yaml-cpp does the parsing; what it words differently, or lets through that
// go-yaml refuses, is translated or checked here.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "object/yaml.h"
#include "yaml_scalars.h"

namespace k3s::object {
namespace {

using Json = nlohmann::json;

// 0-based line of `pos` in `text`.
int line_index_of(std::string_view text, std::size_t pos) {
  pos = std::min(pos, text.size());
  return static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
}

std::string_view line_at(std::string_view text, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return {};
    ++start;
  }
  std::size_t end = text.find('\n', start);
  return text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

// go-yaml's line numbers: errors of its scanner name the 1-based line, errors of its parser
// the 0-based index of the offending line (its problem mark, printed as is). yaml-cpp marks
// the same token, so the scanner/parser split decides which to print.
YamlError scanner_error(const YAML::Mark& mark, const std::string& problem) { return YamlError(mark.line + 1, problem); }
YamlError parser_error(const YAML::Mark& mark, const std::string& problem) { return YamlError(mark.line, problem); }

// The anchor name an alias at `mark` uses ("*name").
std::string alias_name_at(std::string_view text, const YAML::Mark& mark) {
  std::string_view line = line_at(text, mark.line);
  std::size_t star = line.find('*', std::min<std::size_t>(static_cast<std::size_t>(std::max(mark.column, 0)), line.size()));
  if (star == std::string_view::npos) star = line.find('*');
  if (star == std::string_view::npos) return {};
  std::size_t end = line.find_first_of(" \t,[]{}", star + 1);
  return std::string(line.substr(star + 1, end == std::string_view::npos ? std::string_view::npos : end - star - 1));
}

std::size_t indentation(std::string_view line) {
  std::size_t n = line.find_first_not_of(' ');
  return n == std::string_view::npos ? line.size() : n;
}

// Whether the nearest line above `line_index` that is not indented deeper than it is a
// sequence item ("- ...") at the same indentation.
bool inside_block_sequence(std::string_view text, int line_index) {
  const std::size_t column = indentation(line_at(text, line_index));
  for (int i = line_index - 1; i >= 0; --i) {
    std::string_view line = line_at(text, i);
    const std::size_t indent = indentation(line);
    if (indent == line.size() || line[indent] == '#' || indent > column) continue;
    return indent == column && line[indent] == '-' && (indent + 1 == line.size() || line[indent + 1] == ' ');
  }
  return false;
}

YamlError translate(const YAML::Exception& e, std::string_view text) {
  const std::string& msg = e.msg;
  const auto starts = [&](const char* prefix) { return msg.rfind(prefix, 0) == 0; };
  if (msg == YAML::ErrorMsg::END_OF_MAP || msg == YAML::ErrorMsg::FLOW_END || msg == YAML::ErrorMsg::BLOCK_ENTRY) {
    // yaml-cpp ends the enclosing mapping where go-yaml is still in a block sequence whose
    // items stand at the offending line's indentation.
    if (inside_block_sequence(text, e.mark.line)) return parser_error(e.mark, "did not find expected '-' indicator");
    return parser_error(e.mark, "did not find expected key");
  }
  if (msg == YAML::ErrorMsg::END_OF_SEQ) return parser_error(e.mark, "did not find expected '-' indicator");
  if (msg == YAML::ErrorMsg::END_OF_SEQ_FLOW) return parser_error(e.mark, "did not find expected ',' or ']'");
  if (msg == YAML::ErrorMsg::END_OF_MAP_FLOW) return parser_error(e.mark, "did not find expected ',' or '}'");
  if (msg == YAML::ErrorMsg::UNKNOWN_ANCHOR) return YamlError(0, "unknown anchor '" + alias_name_at(text, e.mark) + "' referenced");
  if (starts(YAML::ErrorMsg::INVALID_ESCAPE)) return scanner_error(e.mark, "found unknown escape character");
  if (msg == YAML::ErrorMsg::TAB_IN_INDENTATION) return scanner_error(e.mark, "found a tab character that violates indentation");
  if (msg == YAML::ErrorMsg::UNKNOWN_TOKEN) return scanner_error(e.mark, "found character that cannot start any token");
  if (msg == YAML::ErrorMsg::DOC_IN_SCALAR) return scanner_error(e.mark, "found unexpected document indicator");
  if (msg == YAML::ErrorMsg::EOF_IN_SCALAR) return scanner_error(e.mark, "found unexpected end of stream");
  if (msg == YAML::ErrorMsg::MAP_VALUE) {
    // One yaml-cpp message for three go-yaml ones: a tab where indentation goes, a second
    // "key: value" on the line of a value, or a key whose ':' never came.
    std::string_view line = line_at(text, e.mark.line);
    std::size_t first = line.find_first_not_of(' ');
    if (first != std::string_view::npos && line[first] == '\t')
      return scanner_error(e.mark, "found character that cannot start any token");
    std::string_view before = line.substr(0, std::min<std::size_t>(static_cast<std::size_t>(std::max(e.mark.column, 0)), line.size()));
    if (before.find(": ") != std::string_view::npos) return scanner_error(e.mark, "mapping values are not allowed in this context");
    return scanner_error(e.mark, "could not find expected ':'");
  }
  return YamlError(e.mark.line + 1, msg);
}

// go-yaml reads UTF-8 only and no control characters but tab, line feed and carriage return;
// yaml-cpp lets both through into strings that JSON cannot hold.
void check_characters(const std::string& text) {
  try {
    (void)Json(text).dump();
  } catch (const Json::type_error&) {
    throw YamlError(0, "invalid leading UTF-8 octet");
  }
  if (std::any_of(text.begin(), text.end(), [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || byte == 0x7f;
      }))
    throw YamlError(0, "control characters are not allowed");
}

// yaml-cpp accepts a quoted scalar that runs to the end of the text; go-yaml does not.
void check_quote_closed(std::string_view text, const YAML::Mark& mark) {
  if (mark.pos < 0 || static_cast<std::size_t>(mark.pos) >= text.size()) return;
  const char quote = text[static_cast<std::size_t>(mark.pos)];
  if (quote != '"' && quote != '\'') return;
  for (std::size_t i = static_cast<std::size_t>(mark.pos) + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is a quote inside single quotes
        continue;
      }
      return;
    }
  }
  int last_line = line_index_of(text, text.size());
  throw YamlError(last_line + 1, "found unexpected end of stream");
}

// How go-yaml prints a key that is a sequence or mapping (fmt's %#v of its decoded value).
std::string go_value_text(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: {
      Json v = (node.Tag() == "!") ? Json(node.Scalar()) : resolve_plain(node.Scalar());
      return v.is_null() ? "interface {}(nil)" : v.dump();
    }
    case YAML::NodeType::Sequence: {
      std::string out = "[]interface {}{";
      bool first = true;
      for (const auto& item : node) {
        out += (first ? "" : ", ") + go_value_text(item);
        first = false;
      }
      return out + "}";
    }
    case YAML::NodeType::Map: {
      std::string out = "map[interface {}]interface {}{";
      bool first = true;
      for (const auto& entry : node) {
        out += (first ? "" : ", ") + go_value_text(entry.first) + ":" + go_value_text(entry.second);
        first = false;
      }
      return out + "}";
    }
    default:
      return "interface {}(nil)";
  }
}

class Converter {
 public:
  Converter(std::string_view text, std::vector<std::string>* duplicates, const YamlLimits& limits)
      : text_(text), duplicates_(duplicates), limits_(limits), nodes_left_(text.size() + limits.alias_slack) {}

  Json convert(const YAML::Node& node) {
    // Aliases let a few bytes name a huge tree ("billion laughs"), and an alias may even name
    // its own ancestor: expansion stops, as go-yaml's does, once the decoded nodes outnumber
    // what the text could spell without aliases by a margin.
    if (nodes_left_ == 0) throw YamlError(0, "document contains excessive aliasing");
    --nodes_left_;
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return nullptr;
      case YAML::NodeType::Scalar:
        return scalar(node);
      case YAML::NodeType::Sequence: {
        Nesting nesting(*this);
        Json out = Json::array();
        for (const auto& item : node) out.push_back(convert(item));
        return out;
      }
      case YAML::NodeType::Map: {
        Nesting nesting(*this);
        Json out = Json::object();
        for (const auto& entry : node) {
          const std::string key = key_text(entry.first);
          path_.push_back(key);
          if (duplicates_ && out.contains(key)) duplicates_->push_back(joined_path());
          out[key] = convert(entry.second);
          path_.pop_back();
        }
        return out;
      }
    }
    return nullptr;
  }

 private:
  struct Nesting {
    explicit Nesting(Converter& c) : converter(c) {
      if (++converter.depth_ > converter.limits_.max_depth)
        throw YamlError(0, "exceeded max depth");
    }
    ~Nesting() { --converter.depth_; }
    Converter& converter;
  };

  Json scalar(const YAML::Node& node) {
    // yaml-cpp tags every non-plain scalar (quoted, literal, folded) "!": those are strings.
    if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") {
      check_quote_closed(text_, node.Mark());
      return node.Scalar();
    }
    return resolve_plain(node.Scalar());
  }

  // JSON keys are strings: a scalar key is converted as go-yaml resolves it (`1: x` gives
  // "1"); a sequence or mapping as key has no JSON form.
  std::string key_text(const YAML::Node& key) {
    if (!key.IsScalar() && !key.IsNull()) throw YamlError(0, "invalid map key: " + go_value_text(key));
    Json resolved = key.IsNull() ? Json() : scalar(key);
    if (resolved.is_string()) return resolved.get<std::string>();
    if (resolved.is_null()) return "null";
    return resolved.dump();
  }

  std::string joined_path() const {
    std::string joined;
    for (const auto& k : path_) joined += (joined.empty() ? "" : ".") + k;
    return joined;
  }

  std::string_view text_;
  std::vector<std::string>* duplicates_;
  const YamlLimits& limits_;
  std::size_t nodes_left_;
  int depth_ = 0;
  std::vector<std::string> path_;
};

}  // namespace

std::vector<Json> parse_yaml_documents(const std::string& text, std::vector<std::string>* duplicate_keys,
                                       const YamlLimits& limits) {
  check_characters(text);
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::DeepRecursion&) {
    // yaml-cpp's own guard (about 500 levels) stops it before YamlLimits::max_depth can.
    throw YamlError(0, "exceeded max depth");
  } catch (const YAML::Exception& e) {
    throw translate(e, text);
  }
  Converter converter(text, duplicate_keys, limits);
  std::vector<Json> out;
  for (const auto& doc : docs) {
    Json value = converter.convert(doc);
    if (!value.is_null()) out.push_back(std::move(value));
  }
  return out;
}

Json parse_yaml(const std::string& text, std::vector<std::string>* duplicate_keys, const YamlLimits& limits) {
  auto docs = parse_yaml_documents(text, duplicate_keys, limits);
  return docs.empty() ? Json() : std::move(docs.front());
}

}  // namespace k3s::object
