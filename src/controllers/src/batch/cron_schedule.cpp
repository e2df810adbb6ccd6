#include "batch/cron_schedule.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>
#include <vector>

#include "util/strings.h"

namespace k3s::controllers::batch {

namespace {

struct Bounds {
  int min, max;
  const char* const* names;  // index = value - min_name_value
  int name_base;
  int name_count;
};

const char* const kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
const char* const kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

const Bounds kMinutes{0, 59, nullptr, 0, 0};
const Bounds kHours{0, 23, nullptr, 0, 0};
const Bounds kDaysOfMonth{1, 31, nullptr, 0, 0};
const Bounds kMonths{1, 12, kMonthNames, 1, 12};
const Bounds kDaysOfWeek{0, 6, kDayNames, 0, 7};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int parse_int(const std::string& text) {
  int v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size())
    throw CronParseError("failed to parse int from " + text + ": strconv.Atoi: parsing \"" + text +
                         "\": invalid syntax");
  if (v < 0) throw CronParseError("negative number (" + text + ") not allowed: " + text);
  return v;
}

int parse_int_or_name(const std::string& text, const Bounds& b) {
  if (b.names) {
    const std::string l = lower(text);
    for (int i = 0; i < b.name_count; ++i)
      if (l == b.names[i]) return b.name_base + i;
  }
  return parse_int(text);
}

std::uint64_t bits(int lo, int hi, int step) {
  std::uint64_t out = 0;
  for (int i = lo; i <= hi; i += step) out |= std::uint64_t{1} << i;
  return out;
}

// One comma-separated element: "*", "?", "5", "1-5", "*/10", "3/15", "1-30/2", names.
std::uint64_t parse_range(const std::string& expr, const Bounds& b, bool& star) {
  const auto range_and_step = util::split(expr, '/');
  if (range_and_step.size() > 2) throw CronParseError("too many slashes: " + expr);
  const auto low_and_high = util::split(range_and_step[0], '-');
  if (low_and_high.size() > 2) throw CronParseError("too many hyphens: " + expr);
  int start, end;
  bool is_star = false;
  if (low_and_high[0] == "*" || low_and_high[0] == "?") {
    start = b.min;
    end = b.max;
    is_star = true;
  } else {
    start = parse_int_or_name(low_and_high[0], b);
    end = low_and_high.size() == 2 ? parse_int_or_name(low_and_high[1], b) : start;
  }
  int step = 1;
  if (range_and_step.size() == 2) {
    step = parse_int(range_and_step[1]);
    // "N/step" means "N-max/step".
    if (low_and_high.size() == 1 && !is_star) end = b.max;
    if (step > 1) is_star = false;
  }
  if (start < b.min)
    throw CronParseError("beginning of range (" + std::to_string(start) + ") below minimum (" + std::to_string(b.min) +
                         "): " + expr);
  if (end > b.max)
    throw CronParseError("end of range (" + std::to_string(end) + ") above maximum (" + std::to_string(b.max) +
                         "): " + expr);
  if (start > end)
    throw CronParseError("beginning of range (" + std::to_string(start) + ") beyond end of range (" +
                         std::to_string(end) + "): " + expr);
  if (step == 0) throw CronParseError("step of range should be a positive number: " + expr);
  star = star || is_star;
  return bits(start, end, step);
}

std::uint64_t parse_field(const std::string& field, const Bounds& b, bool& star) {
  std::uint64_t out = 0;
  for (const auto& part : util::split(field, ',')) out |= parse_range(part, b, star);
  return out;
}

std::string expand_macro(const std::string& spec) {
  const std::string l = lower(spec);
  if (l == "@yearly" || l == "@annually") return "0 0 1 1 *";
  if (l == "@monthly") return "0 0 1 * *";
  if (l == "@weekly") return "0 0 * * 0";
  if (l == "@daily" || l == "@midnight") return "0 0 * * *";
  if (l == "@hourly") return "0 * * * *";
  throw CronParseError("unrecognized descriptor: " + spec);
}

bool has(std::uint64_t set, int v) { return (set >> v) & 1; }

}  // namespace

CronSchedule CronSchedule::parse(const std::string& text) {
  std::string spec = text;
  auto trim = [](std::string& s) {
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t") + 1);
  };
  trim(spec);
  if (spec.empty()) throw CronParseError("empty spec string");
  CronSchedule out;
  if (spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=")) {
    const auto space = spec.find(' ');
    const std::string zone = spec.substr(spec.find('=') + 1, space == std::string::npos ? std::string::npos
                                                                                         : space - spec.find('=') - 1);
    out.zone_ = TimeZone::load(zone);
    spec = space == std::string::npos ? "" : spec.substr(space + 1);
    trim(spec);
  }
  if (spec.starts_with("@")) spec = expand_macro(spec);
  std::vector<std::string> fields;
  std::istringstream in(spec);
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() != 5) {
    std::string joined;
    for (const auto& f : fields) joined += (joined.empty() ? "" : " ") + f;
    throw CronParseError("expected exactly 5 fields, found " + std::to_string(fields.size()) + ": [" + joined + "]");
  }
  bool ignored = false;
  out.minute_ = parse_field(fields[0], kMinutes, ignored);
  out.hour_ = parse_field(fields[1], kHours, ignored);
  out.dom_ = parse_field(fields[2], kDaysOfMonth, out.dom_star_);
  out.month_ = parse_field(fields[3], kMonths, ignored);
  out.dow_ = parse_field(fields[4], kDaysOfWeek, out.dow_star_);
  return out;
}

// As cron does: when both day fields are restricted, either may match.
bool CronSchedule::day_matches(int day_of_month, int weekday) const {
  const bool dom = has(dom_, day_of_month), dow = has(dow_, weekday);
  if (dom_star_ || dow_star_) return dom && dow;
  return dom || dow;
}

std::optional<Seconds> CronSchedule::next(Seconds t, const TimeZone& zone_arg) const {
  using namespace std::chrono;
  const TimeZone& zone = zone_ ? *zone_ : zone_arg;
  // Walk local wall-clock time field by field, skipping whole months/days/hours.
  local_seconds local = floor<minutes>(zone.to_local(t)) + minutes(1);
  local_days day = floor<days>(local);
  int hour = static_cast<int>(duration_cast<hours>(local - day).count());
  int minute = static_cast<int>(duration_cast<minutes>(local - day).count() % 60);
  const year_month_day start_ymd(day);
  const int year_limit = static_cast<int>(start_ymd.year()) + 5;
  while (true) {
    year_month_day ymd(day);
    if (static_cast<int>(ymd.year()) > year_limit) return std::nullopt;
    if (!has(month_, static_cast<int>(static_cast<unsigned>(ymd.month())))) {
      day = local_days(year_month_day(ymd.year() / ymd.month() / 1) + months(1));
      hour = minute = 0;
      continue;
    }
    const int dow = static_cast<int>(std::chrono::weekday(day).c_encoding());
    if (!day_matches(static_cast<int>(static_cast<unsigned>(ymd.day())), dow)) {
      day += days(1);
      hour = minute = 0;
      continue;
    }
    while (hour < 24 && !has(hour_, hour)) {
      ++hour;
      minute = 0;
    }
    if (hour == 24) {
      day += days(1);
      hour = minute = 0;
      continue;
    }
    while (minute < 60 && !has(minute_, minute)) ++minute;
    if (minute == 60) {
      ++hour;
      minute = 0;
      continue;  // re-checks the hour (and rolls the day over at 24)
    }
    const Seconds candidate = zone.to_utc(day + hours(hour) + minutes(minute));
    if (candidate > t) return candidate;
    ++minute;  // a repeated local hour (DST fall-back) maps before t: keep walking
  }
}

}  // namespace k3s::controllers::batch
