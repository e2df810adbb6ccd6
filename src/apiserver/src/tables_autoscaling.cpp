// autoscaling/v2 Table printer: HorizontalPodAutoscaler, whose TARGETS cell sums up each metric
// as "current/target".
#include "tables_internal.h"
#include "util/strings.h"

namespace k3s::apiserver::tables {

namespace {

// TARGETS shows this many metrics and "+ N more..." for the rest.
constexpr std::size_t kShownMetrics = 2;

// A quantity held by pointer in the API: Go prints an absent one as "<nil>".
std::string optional_quantity(const Json& obj, const char* pointer) { return quantity_at(obj, pointer, "<nil>"); }

bool has(const Json& obj, const char* pointer) { return obj.contains(Json::json_pointer(pointer)); }

std::string percent(const Json& obj, const char* pointer) { return std::to_string(int_at(obj, pointer)) + "%"; }

// Object and External metrics: an average value target, else an absolute value target.
std::string value_metric(const Json& target, const Json* current) {
  if (has(target, "/averageValue")) {
    const std::string now = current && has(*current, "/averageValue") ? optional_quantity(*current, "/averageValue") : "<unknown>";
    return now + "/" + optional_quantity(target, "/averageValue") + " (avg)";
  }
  const std::string now = current ? optional_quantity(*current, "/value") : "<unknown>";
  return now + "/" + optional_quantity(target, "/value");
}

// Resource and ContainerResource metrics: an average value target, else a utilization target.
std::string resource_metric(const Json& source, const Json* current) {
  const std::string name = string_at(source, "/name", "");
  const Json target = object_at(source, "/target");
  if (has(target, "/averageValue")) {
    const std::string now = current ? optional_quantity(*current, "/averageValue") : "<unknown>";
    return name + ": " + now + "/" + optional_quantity(target, "/averageValue");
  }
  const std::string now = current && has(*current, "/averageUtilization") ? percent(*current, "/averageUtilization") : "<unknown>";
  const std::string wanted = has(target, "/averageUtilization") ? percent(target, "/averageUtilization") : "<auto>";
  return name + ": " + now + "/" + wanted;
}

std::string metric_text(const Json& spec, const Json& status) {
  const std::string type = string_at(spec, "/type", "");
  // The status entry at the same index reports the metric when it has the same source field.
  auto current_of = [&](const char* source, Json& holder) -> const Json* {
    const std::string pointer = std::string("/") + source;
    if (!status.contains(Json::json_pointer(pointer)) || !status.at(Json::json_pointer(pointer)).is_object()) return nullptr;
    holder = object_at(status, (pointer + "/current").c_str());
    return &holder;
  };
  Json holder;
  if (type == "External") return value_metric(object_at(spec, "/external/target"), current_of("external", holder));
  if (type == "Object") return value_metric(object_at(spec, "/object/target"), current_of("object", holder));
  if (type == "Pods") {
    const Json* current = current_of("pods", holder);
    return (current ? optional_quantity(*current, "/averageValue") : "<unknown>") + "/" +
           optional_quantity(spec, "/pods/target/averageValue");
  }
  if (type == "Resource") return resource_metric(object_at(spec, "/resource"), current_of("resource", holder));
  if (type == "ContainerResource")
    return resource_metric(object_at(spec, "/containerResource"), current_of("containerResource", holder));
  return "<unknown type>";
}

std::string hpa_targets(const Json& hpa) {
  Json::json_pointer specs_at("/spec/metrics"), statuses_at("/status/currentMetrics");
  const Json specs = hpa.contains(specs_at) && hpa.at(specs_at).is_array() ? hpa.at(specs_at) : Json::array();
  const Json statuses = hpa.contains(statuses_at) && hpa.at(statuses_at).is_array() ? hpa.at(statuses_at) : Json::array();
  if (specs.empty()) return "<none>";
  std::vector<std::string> shown;
  for (std::size_t i = 0; i < specs.size() && shown.size() < kShownMetrics; ++i)
    shown.push_back(metric_text(specs[i], i < statuses.size() && statuses[i].is_object() ? statuses[i] : Json::object()));
  std::string text = util::join(shown, ", ");
  if (specs.size() > kShownMetrics) text += " + " + std::to_string(specs.size() - kShownMetrics) + " more...";
  return text;
}

}  // namespace

void add_autoscaling_printers(PrinterMap& map) {
  map["autoscaling/HorizontalPodAutoscaler"] = {
      {name_column(),
       {"Reference", "string", "", "Kind/name of the scaled object.", 0},
       {"Targets", "string", "", "Current/target value of each metric.", 0},
       {"MinPods", "string", "", "The fewest replicas the autoscaler keeps.", 0},
       {"MaxPods", "string", "", "The most replicas the autoscaler allows.", 0},
       {"Replicas", "string", "", "The replicas the scaled object has now.", 0},
       age_column()},
      [](const Json& o, const std::string& age, object::Timestamp) {
        const std::string reference = string_at(o, "/spec/scaleTargetRef/kind", "") + "/" +
                                      string_at(o, "/spec/scaleTargetRef/name", "");
        const std::string min_pods = has(o, "/spec/minReplicas") ? std::to_string(int_at(o, "/spec/minReplicas")) : "<unset>";
        return Row{object::name_of(o), reference, hpa_targets(o), min_pods, int_at(o, "/spec/maxReplicas"),
                   int_at(o, "/status/currentReplicas"), age};
      }};
}

}  // namespace k3s::apiserver::tables
