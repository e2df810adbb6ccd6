// Table printers for events: core/v1 Event and events.k8s.io/v1 Event, which name the same
// facts differently (involvedObject/regarding, message/note, count/deprecatedCount).
#include <cctype>

#include "tables_internal.h"

namespace k3s::apiserver::tables {

namespace {

std::vector<Column> event_columns() {
  return {{"Last Seen", "string", "", "Time since the event was last seen.", 0},
          {"Type", "string", "", "Normal or Warning.", 0},
          {"Reason", "string", "", "Short machine-readable cause.", 0},
          {"Object", "string", "", "The object the event is about.", 0},
          {"Message", "string", "", "What happened.", 0},
          {"Count", "integer", "", "How often the event was seen.", 1},
          {"Name", "string", "name", "The event's name.", 1}};
}

Row event_row(const Json& o, const std::string& age, object::Timestamp now, bool core) {
  const Json& regarding = core ? o.value("involvedObject", Json::object()) : o.value("regarding", Json::object());
  std::string kind = regarding.value("kind", "");
  for (auto& ch : kind) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string last = age;
  for (const char* field : {"lastTimestamp", "eventTime", "deprecatedLastTimestamp"}) {
    if (o.contains(field) && o[field].is_string() && !o[field].get<std::string>().empty()) {
      // Measured like AGE (whole seconds of the stamp), so the two columns agree.
      Json stamp = {{"metadata", {{"creationTimestamp", o[field]}}}};
      last = age_of(stamp, now);
      break;
    }
  }
  std::string message = core ? o.value("message", "") : o.value("note", "");
  int64_t count = core ? o.value("count", 1) : o.value("deprecatedCount", 1);
  return Row{last, o.value("type", ""), o.value("reason", ""), kind + "/" + regarding.value("name", ""), message,
             count, object::name_of(o)};
}

}  // namespace

void add_event_printers(PrinterMap& map) {
  map["/Event"] = {event_columns(), [](const Json& o, const std::string& age, object::Timestamp now) {
                     return event_row(o, age, now, true);
                   }};
  map["events.k8s.io/Event"] = {event_columns(), [](const Json& o, const std::string& age, object::Timestamp now) {
                                  return event_row(o, age, now, false);
                                }};
}

}  // namespace k3s::apiserver::tables
