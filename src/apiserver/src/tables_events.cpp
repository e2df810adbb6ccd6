// Table printers for events: core/v1 Event and events.k8s.io/v1 Event. kube-apiserver prints
// both from its internal (core-shaped) Event, so events.k8s.io objects are first read in core
// terms: regarding -> involvedObject, note -> message, deprecated* -> the core fields.
#include <cctype>

#include "tables_internal.h"

namespace k3s::apiserver::tables {

namespace {

struct EventView {
  Json involved, source, series;
  std::string message, first_timestamp, last_timestamp, event_time, reporting_controller, reporting_instance;
  int64_t count = 0;
};

EventView core_event(const Json& o) {
  return {object_at(o, "/involvedObject"), object_at(o, "/source"), object_at(o, "/series"),
          string_at(o, "/message", ""), string_at(o, "/firstTimestamp", ""), string_at(o, "/lastTimestamp", ""),
          string_at(o, "/eventTime", ""), string_at(o, "/reportingComponent", ""), string_at(o, "/reportingInstance", ""),
          int_at(o, "/count")};
}

EventView events_api_event(const Json& o) {
  return {object_at(o, "/regarding"), object_at(o, "/deprecatedSource"), object_at(o, "/series"),
          string_at(o, "/note", ""), string_at(o, "/deprecatedFirstTimestamp", ""),
          string_at(o, "/deprecatedLastTimestamp", ""), string_at(o, "/eventTime", ""),
          string_at(o, "/reportingController", ""), string_at(o, "/reportingInstance", ""), int_at(o, "/deprecatedCount")};
}

std::string since_text(const std::string& stamp, object::Timestamp now) {
  return since(Json{{"t", stamp}}, "/t", now, "<unknown>");
}

std::string trim_space(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\n\r\f\v");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\n\r\f\v") - first + 1);
}

// SOURCE: "component, host", falling back to the reporting controller and instance.
std::string source_text(const EventView& e) {
  std::string component = string_at(e.source, "/component", "");
  std::string host = string_at(e.source, "/host", "");
  if (component.empty()) component = e.reporting_controller;
  if (host.empty()) host = e.reporting_instance;
  return host.empty() ? component : component + ", " + host;
}

Row event_row(const Json& o, const EventView& e, object::Timestamp now) {
  const std::string first = !e.first_timestamp.empty() ? since_text(e.first_timestamp, now) : since_text(e.event_time, now);
  std::string last = !e.last_timestamp.empty() ? since_text(e.last_timestamp, now) : first;
  int64_t count = e.count;
  if (!e.series.empty()) {
    last = since_text(string_at(e.series, "/lastObservedTime", ""), now);
    count = int_at(e.series, "/count");
  } else if (count == 0) {
    count = 1;  // singleton events of the new API carry no count
  }
  std::string kind = string_at(e.involved, "/kind", "");
  for (auto& ch : kind) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const std::string name = string_at(e.involved, "/name", "");
  return Row{last, string_at(o, "/type", ""), string_at(o, "/reason", ""), name.empty() ? kind : kind + "/" + name,
             string_at(e.involved, "/fieldPath", ""), source_text(e), trim_space(e.message), first, count,
             object::name_of(o)};
}

std::vector<Column> event_columns() {
  return {{"Last Seen", "string", "", "Time since the event was last seen.", 0},
          {"Type", "string", "", "Normal or Warning.", 0},
          {"Reason", "string", "", "Short machine-readable cause.", 0},
          {"Object", "string", "", "kind/name of the object the event is about.", 0},
          {"Subobject", "string", "", "The part of the object concerned (a field path).", 1},
          {"Source", "string", "", "The component (and host) that reported the event.", 1},
          {"Message", "string", "", "What happened.", 0},
          {"First Seen", "string", "", "Time since the event was first seen.", 1},
          {"Count", "string", "", "How often the event was seen.", 1},
          {"Name", "string", "name", "The event's name.", 1}};
}

}  // namespace

void add_event_printers(PrinterMap& map) {
  map["/Event"] = {event_columns(), [](const Json& o, const std::string&, object::Timestamp now) {
                     return event_row(o, core_event(o), now);
                   }};
  map["events.k8s.io/Event"] = {event_columns(), [](const Json& o, const std::string&, object::Timestamp now) {
                                  return event_row(o, events_api_event(o), now);
                                }};
}

}  // namespace k3s::apiserver::tables
