// kubectl's printers: server-side tables (with -o wide, --show-labels, -L, --no-headers,
// --sort-by, NAMESPACE and kind prefixes), and -o json|yaml|name|jsonpath|jsonpath-as-json|
// custom-columns|go-template for objects.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace k3s::kubectl {

using Json = nlohmann::json;

struct PrintOptions {
  std::string output;  // the -o value ("" for the default table)
  bool no_headers = false;
  bool show_labels = false;
  std::vector<std::string> label_columns;  // -L
  std::string sort_by;
  bool with_namespace = false;  // -A: a NAMESPACE column
  bool with_kind = false;       // several types: NAME shows "kind/name"
  bool show_managed_fields = false;
};

// Go's text/tabwriter (left-aligned, space padding): cells end at '\t'; a column's width
// is settled per block of consecutive lines that have that column; the last cell of a line
// is never padded.
std::string go_tabwriter(const std::string& text, std::size_t min_width, std::size_t padding);

// Go's text/tabwriter as kubectl configures it (min width 6, padding 3); the last cell of
// a line is not padded.
std::string tabulate(const std::vector<std::vector<std::string>>& rows);

// Whether -o asks for a table (default / wide) rather than objects.
bool is_table_output(const std::string& output);
// Validates -o; kubectl's error for unknown formats.
void check_output_format(const std::string& output);

// The rows of a server Table as kubectl prints them (header first unless no_headers).
// `kind_prefix` is "pod" or "deployment.apps" for with_kind.
std::vector<std::vector<std::string>> table_rows(const Json& table, const PrintOptions& options,
                                                 const std::string& kind_prefix, bool header);

// Prints objects in an object format: one object alone, several wrapped in a List
// (json/yaml), or one line per object (name, jsonpath on each object for lists printed
// as a List, ...). `as_list` forces the List wrapper (a list query).
std::string print_objects(const std::vector<Json>& objects, const PrintOptions& options, bool as_list);

// "pod/nginx", "deployment.apps/web".
std::string resource_name_of(const std::string& kind, const std::string& group, const std::string& name);

// encoding/json's MarshalIndent(v, "", "    ") text (HTML characters escaped).
std::string go_json(const Json& value);

// Sorts objects by a JSONPath field (--sort-by) as kubectl does; throws on a bad path.
void sort_objects(std::vector<Json>& objects, const std::string& sort_by);

}  // namespace k3s::kubectl
