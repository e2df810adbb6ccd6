#include "apps_strategy.h"

#include <string>

#include "object/meta.h"
#include "status.h"

namespace k3s::apiserver {

namespace {
using Json = nlohmann::json;

// The integer value of an int-or-percent ("25%" -> 25); nullopt when malformed.
std::optional<long long> int_or_percent_value(const Json& v) {
  if (v.is_number_integer()) return v.get<long long>();
  if (!v.is_string()) return std::nullopt;
  std::string s = v.get<std::string>();
  if (s.size() < 2 || s.back() != '%') return std::nullopt;
  s.pop_back();
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  try {
    return std::stoll(s);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string shown(const Json& v) { return v.is_string() ? "\"" + v.get<std::string>() + "\"" : v.dump(); }

struct Causes {
  Json list = Json::array();
  std::string text;
  void add(const std::string& reason, const std::string& field, const std::string& message) {
    list.push_back({{"reason", reason}, {"message", message}, {"field", field}});
    if (!text.empty()) text += ", ";
    text += field + ": " + message;
  }
};

// ValidatePositiveIntOrPercent + IsNotMoreThan100Percent; returns the value when valid.
std::optional<long long> check_int_or_percent(const Json& v, const std::string& field, Causes& causes) {
  auto value = int_or_percent_value(v);
  if (!value) {
    causes.add("FieldValueInvalid", field,
               "Invalid value: " + shown(v) +
                   ": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', "
                   "regex used for validation is '[0-9]+%')");
    return std::nullopt;
  }
  if (*value < 0) {
    causes.add("FieldValueInvalid", field, "Invalid value: " + shown(v) + ": must be greater than or equal to 0");
    return std::nullopt;
  }
  if (v.is_string() && *value > 100) {
    causes.add("FieldValueInvalid", field, "Invalid value: " + shown(v) + ": must not be greater than 100%");
    return std::nullopt;
  }
  return value;
}
}  // namespace

void prepare_daemon_set_write(const ResourceType& type, Json& ds) {
  if (type.group != "apps" || type.kind != "DaemonSet") return;
  if (!ds.contains("spec") || !ds["spec"].is_object()) return;
  Json& strategy = ds["spec"]["updateStrategy"];
  if (!strategy.is_object()) strategy = Json::object();
  if (!strategy.contains("type") || strategy["type"] == "") strategy["type"] = "RollingUpdate";
  if (strategy["type"] != "RollingUpdate") return;
  Json& rolling = strategy["rollingUpdate"];
  if (!rolling.is_object()) rolling = Json::object();
  if (!rolling.contains("maxUnavailable") || rolling["maxUnavailable"].is_null()) rolling["maxUnavailable"] = 1;
  if (!rolling.contains("maxSurge") || rolling["maxSurge"].is_null()) rolling["maxSurge"] = 0;

  const std::string base = "spec.updateStrategy.rollingUpdate.";
  Causes causes;
  auto unavailable = check_int_or_percent(rolling["maxUnavailable"], base + "maxUnavailable", causes);
  auto surge = check_int_or_percent(rolling["maxSurge"], base + "maxSurge", causes);
  if (unavailable && surge) {
    if (*unavailable != 0 && *surge != 0)
      causes.add("FieldValueInvalid", base + "maxSurge",
                 "Invalid value: " + shown(rolling["maxSurge"]) + ": may not be set when maxUnavailable is non-zero");
    else if (*unavailable == 0 && *surge == 0)
      causes.add("FieldValueRequired", base + "maxUnavailable", "Required value: cannot be 0 when maxSurge is 0");
  }
  if (!causes.list.empty()) {
    const std::string aggregate = causes.list.size() == 1 ? causes.text : "[" + causes.text + "]";
    throw invalid("apps", "DaemonSet", object::name_of(ds), causes.list, aggregate);
  }
}

}  // namespace k3s::apiserver
