// Internal to the Table printers: the shared column/row types and cell helpers
// (tables_cells.cpp), and the per-API-group printer tables (tables_<group>.cpp) that
// build_table looks up by "group/Kind".
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "object/meta.h"
#include "tables.h"

namespace k3s::apiserver::tables {

struct Column {
  std::string name, type, format, description;
  int priority = 0;
};

using Row = std::vector<Json>;
// age: the AGE cell already formatted; now: for cells measured against the current time.
using RowFn = std::function<Row(const Json& obj, const std::string& age, object::Timestamp now)>;

struct KindPrinter {
  std::vector<Column> columns;
  RowFn row;
};

using PrinterMap = std::map<std::string, KindPrinter>;  // key "group/Kind", core group ""

// The string at pointer when it is a non-empty string, else fallback.
Json str_or(const Json& obj, const char* pointer, const std::string& fallback = "<none>");
// The integer at pointer, else 0.
int64_t int_at(const Json& obj, const char* pointer);
// "k=v,k2=v2" from a map of strings; "<none>" when empty.
std::string selector_text(const Json& selector);
// human_duration since the RFC 3339 time at pointer; fallback when missing or malformed.
std::string since(const Json& obj, const char* pointer, object::Timestamp now, const std::string& fallback = "<none>");
// CONTAINERS and IMAGES cells of a pod template at pointer (".../template").
std::pair<std::string, std::string> template_containers(const Json& obj, const char* template_pointer);
// A metav1.LabelSelector (matchLabels and matchExpressions) as label-selector text
// ("app=web,tier in (a,b),!legacy"), requirements sorted by key; "<none>" when it selects
// everything.
std::string label_selector_text(const Json& selector);
// The array at pointer, or [] when it is missing or not an array.
Json array_at(const Json& obj, const char* pointer);
// The string at pointer even when empty, else missing: for optional string fields where kube
// tells "unset" apart from "".
std::string string_at(const Json& obj, const char* pointer, const std::string& missing);
// The bool at pointer, else fallback (the API default of the field).
bool bool_at(const Json& obj, const char* pointer, bool fallback);
// spec.replicas, or 1 (its API default) when unset.
int64_t desired_replicas(const Json& obj);
// A resource.Quantity in canonical form; missing when it is not a string or number, the stored
// text when it does not parse.
std::string quantity_text(const Json& value, const std::string& missing);
std::string quantity_at(const Json& obj, const char* pointer, const std::string& missing);
// CREATED AT: the creation time as RFC 3339 in UTC, for kinds kube prints without a printer.
std::string created_at(const Json& obj);
// The object at pointer, or {} when it is missing or not an object, so malformed stored
// objects still print a row.
Json object_at(const Json& obj, const char* pointer);

const Column& name_column();
const Column& age_column();
const Column& created_at_column();
// The -o wide CONTAINERS and IMAGES columns of the kinds that own a pod template.
const Column& containers_column();
const Column& images_column();
// The columns ReplicaSet and ReplicationController share: NAME DESIRED CURRENT READY AGE, and
// CONTAINERS IMAGES SELECTOR with -o wide.
const std::vector<Column>& replica_columns();

// AGE as kube prints it: whole seconds since metadata.creationTimestamp, "<unknown>" without one.
std::string age_of(const Json& obj, object::Timestamp now);

void add_core_printers(PrinterMap& map);
void add_core_workload_printers(PrinterMap& map);
void add_core_network_printers(PrinterMap& map);
void add_event_printers(PrinterMap& map);
void add_apps_printers(PrinterMap& map);
void add_batch_printers(PrinterMap& map);
void add_rbac_printers(PrinterMap& map);
void add_node_printers(PrinterMap& map);
void add_misc_printers(PrinterMap& map);
void add_core_storage_printers(PrinterMap& map);
void add_networking_printers(PrinterMap& map);
void add_storage_printers(PrinterMap& map);
void add_autoscaling_printers(PrinterMap& map);

// The printer for "group/Kind", or nullptr when the group files have none.
const KindPrinter* find_printer(const std::string& key);

}  // namespace k3s::apiserver::tables
