// Cell and column helpers shared by the per-group Table printers (tables_<group>.cpp).
#include <algorithm>
#include <set>

#include "tables_internal.h"
#include "object/quantity.h"
#include "util/strings.h"

namespace k3s::apiserver::tables {

Json str_or(const Json& obj, const char* pointer, const std::string& fallback) {
  Json::json_pointer p(pointer);
  if (obj.contains(p) && obj.at(p).is_string() && !obj.at(p).get<std::string>().empty()) return obj.at(p);
  return fallback;
}

int64_t int_at(const Json& obj, const char* pointer) {
  Json::json_pointer p(pointer);
  if (obj.contains(p) && obj.at(p).is_number_integer()) return obj.at(p).get<int64_t>();
  return 0;
}

std::string selector_text(const Json& selector) {
  if (!selector.is_object() || selector.empty()) return "<none>";
  std::vector<std::string> parts;
  for (auto& [k, v] : selector.items())
    if (v.is_string()) parts.push_back(k + "=" + v.get<std::string>());
  return parts.empty() ? "<none>" : util::join(parts, ",");
}

std::string since(const Json& obj, const char* pointer, object::Timestamp now, const std::string& fallback) {
  Json text = str_or(obj, pointer, "");
  auto t = object::parse_time(text.get<std::string>());
  if (!t) return fallback;
  return human_duration(std::chrono::duration_cast<std::chrono::seconds>(now - *t));
}

std::pair<std::string, std::string> template_containers(const Json& obj, const char* template_pointer) {
  std::vector<std::string> names, images;
  Json::json_pointer p(std::string(template_pointer) + "/spec/containers");
  if (obj.contains(p) && obj.at(p).is_array())
    for (const auto& c : obj.at(p)) {
      if (!c.is_object()) continue;
      names.push_back(c.value("name", ""));
      images.push_back(c.value("image", ""));
    }
  return {util::join(names, ","), util::join(images, ",")};
}

const Column& name_column() {
  static const Column c{"Name", "string", "name", "The object's name.", 0};
  return c;
}

const Column& age_column() {
  static const Column c{"Age", "string", "", "Time since the object was created.", 0};
  return c;
}

std::string string_at(const Json& obj, const char* pointer, const std::string& missing) {
  Json::json_pointer p(pointer);
  return obj.contains(p) && obj.at(p).is_string() ? obj.at(p).get<std::string>() : missing;
}

bool bool_at(const Json& obj, const char* pointer, bool fallback) {
  Json::json_pointer p(pointer);
  return obj.contains(p) && obj.at(p).is_boolean() ? obj.at(p).get<bool>() : fallback;
}

int64_t desired_replicas(const Json& obj) {
  return obj.contains(Json::json_pointer("/spec/replicas")) ? int_at(obj, "/spec/replicas") : 1;
}

std::string quantity_text(const Json& value, const std::string& missing) {
  if (!value.is_string() && !value.is_number()) return missing;
  try {
    return object::Quantity::from_json(value).to_string();
  } catch (const object::QuantityError&) {
    return value.is_string() ? value.get<std::string>() : value.dump();
  }
}

std::string quantity_at(const Json& obj, const char* pointer, const std::string& missing) {
  Json::json_pointer p(pointer);
  return obj.contains(p) ? quantity_text(obj.at(p), missing) : missing;
}

std::string created_at(const Json& obj) {
  auto t = object::creation_timestamp_of(obj);
  return t ? object::format_time(*t) : std::string("<unknown>");
}

Json array_at(const Json& obj, const char* pointer) {
  Json::json_pointer p(pointer);
  return obj.contains(p) && obj.at(p).is_array() ? obj.at(p) : Json::array();
}

namespace {

std::string sorted_values(const Json& values) {
  std::set<std::string> sorted;
  for (const auto& v : values)
    if (v.is_string()) sorted.insert(v.get<std::string>());
  return util::join(std::vector<std::string>(sorted.begin(), sorted.end()), ",");
}

}  // namespace

std::string label_selector_text(const Json& selector) {
  std::vector<std::pair<std::string, std::string>> requirements;
  const Json match_labels = object_at(selector, "/matchLabels");
  for (const auto& [key, value] : match_labels.items())
    if (value.is_string()) requirements.emplace_back(key, key + "=" + value.get<std::string>());
  for (const auto& expr : array_at(selector, "/matchExpressions")) {
    const std::string key = string_at(expr, "/key", ""), op = string_at(expr, "/operator", "");
    const std::string values = sorted_values(array_at(expr, "/values"));
    if (op == "In") requirements.emplace_back(key, key + " in (" + values + ")");
    else if (op == "NotIn") requirements.emplace_back(key, key + " notin (" + values + ")");
    else if (op == "Exists") requirements.emplace_back(key, key);
    else if (op == "DoesNotExist") requirements.emplace_back(key, "!" + key);
  }
  if (requirements.empty()) return "<none>";
  std::stable_sort(requirements.begin(), requirements.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> parts;
  for (const auto& r : requirements) parts.push_back(r.second);
  return util::join(parts, ",");
}

Json object_at(const Json& obj, const char* pointer) {
  Json::json_pointer p(pointer);
  return obj.contains(p) && obj.at(p).is_object() ? obj.at(p) : Json::object();
}

const Column& created_at_column() {
  static const Column c{"Created At", "date", "", "When the object was created (RFC 3339, UTC).", 0};
  return c;
}

const Column& containers_column() {
  static const Column c{"Containers", "string", "", "Container names of the pod template.", 1};
  return c;
}

const Column& images_column() {
  static const Column c{"Images", "string", "", "Images of the pod template.", 1};
  return c;
}

const std::vector<Column>& replica_columns() {
  static const std::vector<Column> columns{name_column(),
                                           {"Desired", "integer", "", "Number of desired pods.", 0},
                                           {"Current", "integer", "", "Number of actually running pods.", 0},
                                           {"Ready", "integer", "", "Number of ready pods.", 0},
                                           age_column(),
                                           containers_column(),
                                           images_column(),
                                           {"Selector", "string", "", "The label selector of the pods.", 1}};
  return columns;
}

}  // namespace k3s::apiserver::tables
