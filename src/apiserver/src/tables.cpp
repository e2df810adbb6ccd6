// Table assembly: looks up the printer of the object's kind (tables_<group>.cpp), and falls back
// to NAME and AGE for kinds without one.
#include "tables.h"

#include "tables_internal.h"

#include "object/meta.h"

namespace k3s::apiserver {

namespace tables {

std::string age_of(const Json& obj, object::Timestamp now) {
  auto created = object::creation_timestamp_of(obj);
  if (!created) return "<unknown>";
  auto age = std::chrono::duration_cast<std::chrono::seconds>(now - std::chrono::time_point_cast<std::chrono::seconds>(*created));
  return human_duration(age);
}

const KindPrinter* find_printer(const std::string& key) {
  static const PrinterMap map = [] {
    PrinterMap m;
    add_core_printers(m);
    add_core_workload_printers(m);
    add_core_network_printers(m);
    add_event_printers(m);
    add_apps_printers(m);
    add_batch_printers(m);
    add_rbac_printers(m);
    add_node_printers(m);
    add_misc_printers(m);
    add_core_storage_printers(m);
    add_networking_printers(m);
    add_storage_printers(m);
    add_autoscaling_printers(m);
    return m;
  }();
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

}  // namespace tables

namespace {

const tables::KindPrinter& name_and_age_printer() {
  static const tables::KindPrinter p{{tables::name_column(), tables::age_column()},
                                     [](const Json& o, const std::string& age, object::Timestamp) {
                                       return tables::Row{object::name_of(o), age};
                                     }};
  return p;
}

}  // namespace

std::string human_duration(std::chrono::seconds age) {
  int64_t seconds = age.count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  int64_t minutes = seconds / 60;
  if (minutes < 10) {
    int64_t s = seconds % 60;
    return s == 0 ? std::to_string(minutes) + "m" : std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  int64_t hours = minutes / 60;
  if (hours < 8) {
    int64_t m = minutes % 60;
    return m == 0 ? std::to_string(hours) + "h" : std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    int64_t h = hours % 24;
    return h == 0 ? std::to_string(hours / 24) + "d" : std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    int64_t dy = (hours / 24) % 365;
    return dy == 0 ? std::to_string(hours / 24 / 365) + "y" : std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

Json partial_object_metadata(const Json& object) {
  return {{"kind", "PartialObjectMetadata"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", object.value("metadata", Json::object())}};
}

Json build_table(const ResourceType& type, const std::vector<const Json*>& objects, IncludeObject include,
                 Json list_metadata, std::chrono::system_clock::time_point now) {
  const tables::KindPrinter* found = tables::find_printer(type.group + "/" + type.kind);
  const tables::KindPrinter& printer = found ? *found : name_and_age_printer();
  const auto now_us = std::chrono::time_point_cast<std::chrono::microseconds>(now);
  Json columns = Json::array();
  for (const auto& c : printer.columns)
    columns.push_back({{"name", c.name}, {"type", c.type}, {"format", c.format}, {"description", c.description},
                       {"priority", c.priority}});
  Json rows = Json::array();
  for (const Json* obj : objects) {
    Json row = {{"cells", printer.row(*obj, tables::age_of(*obj, now_us), now_us)}};
    if (include == IncludeObject::object)
      row["object"] = *obj;
    else if (include == IncludeObject::metadata)
      row["object"] = partial_object_metadata(*obj);
    rows.push_back(std::move(row));
  }
  return {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", std::move(list_metadata)},
          {"columnDefinitions", columns}, {"rows", rows}};
}

}  // namespace k3s::apiserver
