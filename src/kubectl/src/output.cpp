#include "output.h"

#include <algorithm>
#include <sstream>

#include "go_template.h"
#include "jsonpath.h"
#include "object/yaml.h"
#include "session.h"

namespace k3s::kubectl {
namespace {

std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string cell_text(const Json& cell) {
  if (cell.is_string()) return cell.get<std::string>();
  if (cell.is_null()) return "<none>";
  if (cell.is_number_float()) {
    double d = cell.get<double>();
    if (d == static_cast<double>(static_cast<long long>(d))) return std::to_string(static_cast<long long>(d));
  }
  if (cell.is_boolean()) return cell.get<bool>() ? "true" : "false";
  return cell.dump();
}

std::string labels_text(const Json& object) {
  const Json* labels = nullptr;
  if (object.contains("metadata") && object["metadata"].contains("labels")) labels = &object["metadata"]["labels"];
  if (!labels || !labels->is_object() || labels->empty()) return "<none>";
  std::string out;
  for (const auto& [k, v] : labels->items()) {
    if (!out.empty()) out += ",";
    out += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

std::string label_header(const std::string& key) {
  auto slash = key.rfind('/');
  return upper(slash == std::string::npos ? key : key.substr(slash + 1));
}

}  // namespace

namespace {

class GoTabWriter {
 public:
  GoTabWriter(const std::string& text, std::size_t min_width, std::size_t padding)
      : min_width_(min_width), padding_(padding) {
    std::size_t start = 0;
    while (start < text.size()) {
      auto nl = text.find('\n', start);
      std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      std::vector<std::string> cells;
      std::size_t cs = 0;
      while (true) {
        auto tab = line.find('\t', cs);
        if (tab == std::string::npos) {
          cells.push_back(line.substr(cs));
          break;
        }
        cells.push_back(line.substr(cs, tab - cs));
        cs = tab + 1;
      }
      lines_.push_back(std::move(cells));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    trailing_newline_ = !text.empty() && text.back() == '\n';
  }

  std::string run() {
    format(0, lines_.size());
    if (!trailing_newline_ && !out_.empty() && out_.back() == '\n') out_.pop_back();
    return out_;
  }

 private:
  void write_lines(std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      const auto& line = lines_[i];
      for (std::size_t j = 0; j < line.size(); ++j) {
        out_ += line[j];
        if (j + 1 < line.size() && j < widths_.size()) {
          std::size_t w = display_width(line[j]);
          if (widths_[j] > w) out_ += std::string(widths_[j] - w, ' ');
        }
      }
      out_ += "\n";
    }
  }

  void format(std::size_t line0, std::size_t line1) {
    std::size_t column = widths_.size();
    for (std::size_t cur = line0; cur < line1; ++cur) {
      if (column + 1 >= lines_[cur].size()) continue;
      write_lines(line0, cur);
      line0 = cur;
      std::size_t width = min_width_;
      for (; cur < line1; ++cur) {
        if (column + 1 >= lines_[cur].size()) break;
        width = std::max(width, display_width(lines_[cur][column]) + padding_);
      }
      widths_.push_back(width);
      format(line0, cur);
      widths_.pop_back();
      // The line that ended the block has no cell here; it is written with the next run.
      line0 = cur;
    }
    write_lines(line0, line1);
  }

  std::vector<std::vector<std::string>> lines_;
  std::vector<std::size_t> widths_;
  std::size_t min_width_, padding_;
  bool trailing_newline_ = false;
  std::string out_;
};

}  // namespace

std::string go_tabwriter(const std::string& text, std::size_t min_width, std::size_t padding) {
  return GoTabWriter(text, min_width, padding).run();
}

std::string tabulate(const std::vector<std::vector<std::string>>& rows) {
  std::string text;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) text += (i ? "\t" : "") + row[i];
    text += "\n";
  }
  return go_tabwriter(text, 6, 3);
}

bool is_table_output(const std::string& output) { return output.empty() || output == "wide"; }

void check_output_format(const std::string& output) {
  static const std::vector<std::string> plain = {"", "wide", "json", "yaml", "name"};
  static const std::vector<std::string> prefixed = {"jsonpath=", "jsonpath-as-json=", "custom-columns=",
                                                    "go-template=", "jsonpath-file=", "go-template-file=",
                                                    "custom-columns-file=", "template="};
  if (std::find(plain.begin(), plain.end(), output) != plain.end()) return;
  for (const auto& p : prefixed) {
    if (output.rfind(p, 0) == 0) return;
  }
  if (output == "jsonpath" || output == "jsonpath-as-json" || output == "go-template" ||
      output == "custom-columns" || output == "template") {
    throw CommandError(output == "custom-columns" ? "custom-columns format specified but no custom columns given"
                                                  : "template format specified but no template given");
  }
  throw CommandError("unable to match a printer suitable for the output format \"" + output +
                     "\", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,"
                     "jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml");
}

std::vector<std::vector<std::string>> table_rows(const Json& table, const PrintOptions& options,
                                                 const std::string& kind_prefix, bool header) {
  bool wide = options.output == "wide";
  std::vector<std::size_t> shown;
  std::vector<std::string> header_row;
  if (options.with_namespace) header_row.push_back("NAMESPACE");
  const Json& columns = table.value("columnDefinitions", Json::array());
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (!wide && columns[i].value("priority", 0) != 0) continue;
    shown.push_back(i);
    header_row.push_back(upper(columns[i].value("name", "")));
  }
  for (const auto& key : options.label_columns) header_row.push_back(label_header(key));
  if (options.show_labels) header_row.push_back("LABELS");
  std::vector<std::vector<std::string>> rows;
  if (header && !options.no_headers) rows.push_back(header_row);
  for (const auto& row : table.value("rows", Json::array())) {
    const Json& cells = row.value("cells", Json::array());
    const Json object = row.value("object", Json::object());
    std::vector<std::string> out;
    if (options.with_namespace) out.push_back(object.value("metadata", Json::object()).value("namespace", ""));
    for (std::size_t i : shown) {
      std::string text = i < cells.size() ? cell_text(cells[i]) : "";
      if (options.with_kind && columns[i].value("format", "") == "name") text = kind_prefix + "/" + text;
      out.push_back(text);
    }
    for (const auto& key : options.label_columns) {
      const Json labels = object.value("metadata", Json::object()).value("labels", Json::object());
      out.push_back(labels.contains(key) && labels[key].is_string() ? labels[key].get<std::string>() : "");
    }
    if (options.show_labels) out.push_back(labels_text(object));
    rows.push_back(std::move(out));
  }
  return rows;
}

std::string resource_name_of(const std::string& kind, const std::string& group, const std::string& name) {
  std::string k;
  for (char c : kind) k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return (group.empty() ? k : k + "." + group) + "/" + name;
}

std::string go_json(const Json& value) {
  std::string text = value.dump(4, ' ', false, Json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

namespace {

Json as_list(const std::vector<Json>& objects) {
  Json list = {{"apiVersion", "v1"}, {"items", Json::array()}, {"kind", "List"},
               {"metadata", {{"resourceVersion", ""}}}};
  for (const auto& o : objects) list["items"].push_back(o);
  return list;
}

std::string custom_columns(const std::vector<Json>& objects, const std::string& spec, bool no_headers) {
  std::vector<std::string> headers;
  std::vector<JsonPath> paths;
  std::stringstream in(spec);
  std::string part;
  while (std::getline(in, part, ',')) {
    auto colon = part.find(':');
    if (colon == std::string::npos) {
      throw CommandError("unexpected custom-columns spec: " + part + ", expected <header>:<json-path-expr>");
    }
    headers.push_back(part.substr(0, colon));
    std::string expr = part.substr(colon + 1);
    if (!expr.empty() && expr[0] != '{') {
      if (expr[0] != '.') expr = "." + expr;
      expr = "{" + expr + "}";
    }
    paths.emplace_back(expr);
  }
  std::vector<std::vector<std::string>> rows;
  if (!no_headers) rows.push_back(headers);
  for (const auto& o : objects) {
    std::vector<std::string> row;
    for (const auto& p : paths) {
      Json values = p.execute_as_json(o);
      if (values.empty()) {
        row.push_back("<none>");
        continue;
      }
      std::string cell;
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) cell += ",";
        cell += jsonpath_text(values[i]);
      }
      row.push_back(cell);
    }
    rows.push_back(row);
  }
  return tabulate(rows);
}

Json sort_key(const Json& object, const JsonPath& path) {
  Json values = path.execute_as_json(object);
  return values.empty() ? Json() : values[0];
}

}  // namespace

void sort_objects(std::vector<Json>& objects, const std::string& sort_by) {
  std::string expr = sort_by;
  if (!expr.empty() && expr[0] != '{') {
    if (expr[0] != '.') expr = "." + expr;
    expr = "{" + expr + "}";
  }
  JsonPath path(expr);
  std::stable_sort(objects.begin(), objects.end(), [&](const Json& a, const Json& b) {
    Json x = sort_key(a, path), y = sort_key(b, path);
    if (x.is_null() || y.is_null()) return !x.is_null() && y.is_null() ? false : x.is_null() && !y.is_null();
    if (x.is_number() && y.is_number()) return x.get<double>() < y.get<double>();
    if (x.is_string() && y.is_string()) return x.get<std::string>() < y.get<std::string>();
    return x.dump() < y.dump();
  });
}

std::string print_objects(const std::vector<Json>& input, const PrintOptions& options, bool list) {
  const std::string& o = options.output;
  std::vector<Json> objects = input;
  if (!options.show_managed_fields) {
    for (auto& obj : objects) {
      if (obj.is_object() && obj.contains("metadata") && obj["metadata"].is_object()) obj["metadata"].erase("managedFields");
    }
  }
  bool single = objects.size() == 1 && !list;
  if (o == "json") return go_json(single ? objects[0] : as_list(objects)) + "\n";
  if (o == "yaml") return object::to_yaml(single ? objects[0] : as_list(objects));
  if (o == "name") {
    std::string out;
    for (const auto& obj : objects) {
      std::string api_version = obj.value("apiVersion", "");
      std::string group = api_version.find('/') == std::string::npos ? "" : api_version.substr(0, api_version.find('/'));
      out += resource_name_of(obj.value("kind", ""), group, obj.value("metadata", Json::object()).value("name", "")) +
             "\n";
    }
    return out;
  }
  auto value_after = [&](const std::string& prefix) { return o.substr(prefix.size()); };
  if (o.rfind("jsonpath=", 0) == 0 || o.rfind("jsonpath-as-json=", 0) == 0) {
    bool as_json = o.rfind("jsonpath-as-json=", 0) == 0;
    std::string text = value_after(as_json ? "jsonpath-as-json=" : "jsonpath=");
    std::unique_ptr<JsonPath> path;
    try {
      path = std::make_unique<JsonPath>(text);
    } catch (const JsonPathError& e) {
      throw CommandError("error parsing jsonpath " + text + ", " + e.what());
    }
    Json data = single ? objects[0] : as_list(objects);
    if (as_json) return go_json(path->execute_as_json(data)) + "\n";
    return path->execute(data);
  }
  if (o.rfind("custom-columns=", 0) == 0) return custom_columns(objects, value_after("custom-columns="), options.no_headers);
  if (o.rfind("go-template=", 0) == 0 || o.rfind("template=", 0) == 0) {
    std::string text = o.substr(o.find('=') + 1);
    return execute_go_template(text, single ? objects[0] : as_list(objects));
  }
  throw CommandError("unable to match a printer suitable for the output format \"" + o + "\"");
}

}  // namespace k3s::kubectl
