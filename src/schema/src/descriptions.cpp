#include "descriptions.h"

#include <map>
#include <set>

#include "descriptors.h"
#include "schema/descriptions.h"
#include "schema/proto_json.h"

namespace k3s::schema {

namespace detail {

namespace {

namespace pb = google::protobuf;

struct Entry {
  int line = 0;
  std::string package;
  std::string type;   // message name in the package, or "*"
  std::string field;  // JSON name, "" for the type itself
  std::string text;
};

struct Parsed {
  std::vector<Entry> entries;
  std::vector<std::string> problems;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

Parsed parse(std::string_view file, std::string_view text) {
  Parsed out;
  std::string package;
  auto problem = [&](int line, const std::string& what) {
    out.problems.push_back(std::string(file) + ":" + std::to_string(line) + ": " + what);
  };
  bool continuable = false;
  int number = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') {
      continuable = false;
      continue;
    }
    if (raw.front() == ' ' || raw.front() == '\t') {
      if (!continuable) {
        problem(number, "indented line continues no entry");
        continue;
      }
      out.entries.back().text += " " + std::string(line);
      continue;
    }
    continuable = false;
    if (line.front() == '@') {
      if (line.rfind("@package ", 0) != 0) {
        problem(number, "unknown directive " + std::string(line));
        continue;
      }
      package = std::string(trim(line.substr(9)));
      continue;
    }
    auto colon = line.find(": ");
    if (colon == std::string_view::npos) {
      problem(number, "expected 'Type: text' or 'Type.field: text'");
      continue;
    }
    std::string_view key = line.substr(0, colon);
    Entry e;
    e.line = number;
    e.package = package;
    e.text = std::string(trim(line.substr(colon + 2)));
    auto dot = key.find('.');
    e.type = std::string(key.substr(0, dot));
    if (dot != std::string_view::npos) e.field = std::string(key.substr(dot + 1));
    if ((e.type != "*" && !is_name(e.type)) || (dot != std::string_view::npos && !is_name(e.field))) {
      problem(number, "malformed key " + std::string(key));
      continue;
    }
    if (e.text.empty()) {
      problem(number, "empty description for " + std::string(key));
      continue;
    }
    out.entries.push_back(std::move(e));
    continuable = true;
  }
  return out;
}

const std::set<std::string>& generic_fields() {
  static const std::set<std::string> names = {"apiVersion", "kind", "metadata"};
  return names;
}

std::string key_of(const Entry& e) {
  std::string key = e.type == "*" ? "*" : e.package + "." + e.type;
  return e.field.empty() ? key : key + "." + e.field;
}

// Why an entry names nothing, "" when it names a real type or field.
std::string check_entry(const Entry& e) {
  if (e.type == "*") {
    if (e.field.empty() || generic_fields().count(e.field) == 0) return "generic entries are *.apiVersion, *.kind, *.metadata";
    return "";
  }
  if (e.package.empty()) return "entry before any @package line";
  (void)kind_message("", "v1", "Pod");  // links every schema file into the pool
  const pb::Descriptor* d = descriptor_pool().FindMessageTypeByName(e.package + "." + e.type);
  if (d == nullptr) return "no type " + e.type + " in package " + e.package;
  if (e.field.empty()) return "";
  if ((e.field == "apiVersion" || e.field == "kind") && has_type_meta(d)) return "";
  for (const auto& jf : json_fields(d))
    if (jf.name == e.field) return "";
  return "type " + e.type + " has no field " + e.field;
}

const std::map<std::string, std::string>& table() {
  static const std::map<std::string, std::string> t = [] {
    std::map<std::string, std::string> out;
    for (const auto& f : embedded_description_files()) {
      for (auto& e : parse(f.name, f.text).entries)
        if (check_entry(e).empty()) out.emplace(key_of(e), std::move(e.text));
    }
    return out;
  }();
  return t;
}

const std::string& lookup(const std::string& key) {
  static const std::string none;
  const auto& t = table();
  auto it = t.find(key);
  return it == t.end() ? none : it->second;
}

}  // namespace

const std::string& type_description(const pb::Descriptor* d) { return lookup(d->full_name()); }

const std::string& field_description(const pb::Descriptor* owner, const std::string& json_name,
                                     const pb::FieldDescriptor* field) {
  const std::string& own = lookup(owner->full_name() + "." + json_name);
  if (!own.empty()) return own;
  const std::string& declared = lookup(field->containing_type()->full_name() + "." + json_name);
  if (!declared.empty() || json_name != "metadata" || !has_type_meta(owner)) return declared;
  return lookup("*.metadata");
}

const std::string& type_meta_description(const std::string& json_name) { return lookup("*." + json_name); }

}  // namespace detail

std::vector<std::string> check_description_file(std::string_view file, std::string_view text) {
  detail::Parsed parsed = detail::parse(file, text);
  std::set<std::string> seen;
  for (const auto& e : parsed.entries) {
    std::string where = std::string(file) + ":" + std::to_string(e.line) + ": ";
    std::string why = detail::check_entry(e);
    if (!why.empty()) parsed.problems.push_back(where + why);
    if (!seen.insert(detail::key_of(e)).second) parsed.problems.push_back(where + "duplicate key " + detail::key_of(e));
  }
  return parsed.problems;
}

DescriptionReport check_embedded_descriptions() {
  DescriptionReport report;
  std::set<std::string> keys;
  for (const auto& f : detail::embedded_description_files()) {
    for (auto& p : check_description_file(f.name, f.text)) report.problems.push_back(std::move(p));
    for (const auto& e : detail::parse(f.name, f.text).entries) {
      std::string key = detail::key_of(e);
      if (!keys.insert(key).second) report.problems.push_back(std::string(f.name) + ": key also in another file: " + key);
      (e.field.empty() ? report.types : report.fields) += 1;
    }
  }
  return report;
}

}  // namespace k3s::schema
