#include <algorithm>
#include <ctime>
#include <set>

#include "describe.h"
#include "output.h"

namespace k3s::kubectl::describe {

Json field_of(const Json& o, const char* key) {
  if (!o.is_object()) return Json::object();
  auto it = o.find(key);
  return it == o.end() || it->is_null() ? Json::object() : *it;
}

std::string str_of(const Json& o, const char* key) {
  if (!o.is_object()) return "";
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

void Writer::map(int level, const std::string& name, const object::StringMap& values, const std::string& separator) {
  if (values.empty()) {
    field(level, name, "<none>");
    return;
  }
  bool first = true;
  for (const auto& [k, v] : values) {
    if (first) field(level, name, k + separator + v);
    else line(level, "\t" + k + separator + v);
    first = false;
  }
}

void Writer::annotations(int level, const std::string& name, const object::StringMap& values) {
  // kubectl's limits: a key and value longer than this together go on their own lines, and
  // each such line is cut after kMaxLine characters.
  constexpr std::size_t kMaxAnnotation = 140, kMaxLine = 138;
  object::StringMap shown = values;
  shown.erase("kubectl.kubernetes.io/last-applied-configuration");
  if (shown.empty()) {
    field(level, name, "<none>");
    return;
  }
  bool first = true;
  for (const auto& [k, raw] : shown) {
    std::string value = raw;
    if (!value.empty() && value.back() == '\n') value.pop_back();
    std::string prefix = first ? name + ":\t" : "\t";
    first = false;
    if (k.size() + value.size() + 2 <= kMaxAnnotation && value.find('\n') == std::string::npos) {
      line(level, prefix + k + ": " + value);
      continue;
    }
    line(level, prefix + k + ":");
    std::size_t start = 0;
    while (true) {
      auto nl = value.find('\n', start);
      std::string part = value.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (part.size() > kMaxLine) part = part.substr(0, kMaxLine) + "...";
      line(level, "\t  " + part);
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
}

std::string Writer::text() const { return go_tabwriter(out_, 0, 2); }

std::string human_age(std::chrono::seconds age) {
  long long s = age.count();
  if (s < 0) return "<invalid>";
  if (s < 120) return std::to_string(s) + "s";
  long long m = s / 60;
  if (m < 10) return std::to_string(m) + "m" + (s % 60 ? std::to_string(s % 60) + "s" : "");
  if (m < 180) return std::to_string(m) + "m";
  long long h = m / 60;
  if (h < 8) return std::to_string(h) + "h" + (m % 60 ? std::to_string(m % 60) + "m" : "");
  if (h < 48) return std::to_string(h) + "h";
  long long d = h / 24;
  if (d < 8) return std::to_string(d) + "d" + (h % 24 ? std::to_string(h % 24) + "h" : "");
  if (d < 365 * 2) return std::to_string(d) + "d";
  return std::to_string(d / 365) + "y";
}

std::string age_since(const std::string& rfc3339) {
  auto p = object::parse_time(rfc3339);
  if (!p) return "<unknown>";
  return human_age(std::chrono::duration_cast<std::chrono::seconds>(object::now() - *p));
}

std::string rfc1123(const std::string& rfc3339) {
  auto t = object::parse_time(rfc3339);
  if (!t) return rfc3339;
  std::time_t tt = std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(*t));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string labels_text(const Json& map) {
  std::string out;
  if (map.is_object()) {
    for (const auto& [k, v] : map.items()) out += (out.empty() ? "" : ",") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out.empty() ? "<none>" : out;
}

std::string selector_text(const Json& label_selector) {
  if (!label_selector.is_object()) return "<none>";
  // labels.Selector's String(): requirements sorted by key, values of set operators sorted.
  std::vector<std::pair<std::string, std::string>> parts;
  const Json match_labels = field_of(label_selector, "matchLabels");
  for (const auto& [k, v] : match_labels.items()) parts.emplace_back(k, k + "=" + v.get<std::string>());
  for (const auto& e : label_selector.value("matchExpressions", Json::array())) {
    std::string key = str_of(e, "key"), op = str_of(e, "operator");
    std::set<std::string> values;
    for (const auto& v : e.value("values", Json::array())) values.insert(v.get<std::string>());
    std::string list;
    for (const auto& v : values) list += (list.empty() ? "" : ",") + v;
    if (op == "In") parts.emplace_back(key, key + " in (" + list + ")");
    else if (op == "NotIn") parts.emplace_back(key, key + " notin (" + list + ")");
    else if (op == "Exists") parts.emplace_back(key, key);
    else if (op == "DoesNotExist") parts.emplace_back(key, "!" + key);
  }
  std::stable_sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p.second;
  return out.empty() ? "<none>" : out;
}

std::string controller_of(const Json& o) {
  for (const auto& ref : field_of(o, "metadata").value("ownerReferences", Json::array())) {
    if (ref.value("controller", false)) return str_of(ref, "kind") + "/" + str_of(ref, "name");
  }
  return "";
}

void events_section(Session& session, Writer& w, const Json& object, const std::string& also_uid) {
  if (!session.flags().boolean("show-events")) return;
  Json items = Json::array();
  auto search = [&](const std::string& uid) {
    std::string selector = "involvedObject.name=" + object::name_of(object);
    if (!object::namespace_of(object).empty()) selector += ",involvedObject.namespace=" + object::namespace_of(object);
    if (!uid.empty()) selector += ",involvedObject.uid=" + uid;
    try {
      auto list = session.api().list(client::resources::kEvents, object::namespace_of(object), {.field_selector = selector});
      for (auto& e : list.value("items", Json::array())) items.push_back(std::move(e));
    } catch (const client::ApiError&) {
    }
  };
  search(object::uid_of(object));
  if (!also_uid.empty()) search(also_uid);
  if (items.empty()) {
    w.field(0, "Events", "<none>");
    return;
  }
  auto first_time = [](const Json& e) {
    std::string t = str_of(e, "firstTimestamp");
    return t.empty() ? str_of(e, "eventTime") : t;
  };
  auto last_time = [&](const Json& e) {
    std::string t = str_of(e, "lastTimestamp");
    return t.empty() ? first_time(e) : t;
  };
  // kubectl sorts by lastTimestamp alone (events without one first), keeping the list order
  // of equal times.
  std::stable_sort(items.begin(), items.end(), [&](const Json& a, const Json& b) {
    auto ta = object::parse_time(str_of(a, "lastTimestamp")), tb = object::parse_time(str_of(b, "lastTimestamp"));
    if (!tb) return false;
    return !ta || *ta < *tb;
  });
  w.line(0, "Events:");
  w.line(1, "Type\tReason\tAge\tFrom\tMessage");
  w.line(1, "----\t------\t----\t----\t-------");
  for (const auto& e : items) {
    std::string age = age_since(last_time(e));
    long long count = e.value("count", 1LL);
    if (count > 1) age += " (x" + std::to_string(count) + " over " + age_since(first_time(e)) + ")";
    std::string from = str_of(field_of(e, "source"), "component");
    if (from.empty()) from = str_of(e, "reportingComponent");
    std::string host = str_of(field_of(e, "source"), "host");
    if (!host.empty()) from += ", " + host;
    std::string message = str_of(e, "message");
    while (!message.empty() && message.back() == '\n') message.pop_back();
    w.line(1, str_of(e, "type") + "\t" + str_of(e, "reason") + "\t" + age + "\t" + from + "\t" + message);
  }
}

}  // namespace k3s::kubectl::describe
