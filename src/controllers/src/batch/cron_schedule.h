// Cron schedules as CronJob accepts them (the robfig/cron "standard" parser kube uses):
// five fields (minute hour day-of-month month day-of-week) with lists, ranges, steps,
// "*" / "?", month and weekday names, the @yearly/@annually/@monthly/@weekly/@daily/
// @midnight/@hourly macros, and an optional leading "CRON_TZ=<zone>" / "TZ=<zone>".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "batch/time_zone.h"

namespace k3s::controllers::batch {

class CronParseError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class CronSchedule {
 public:
  // Throws CronParseError with robfig's wording ("expected exactly 5 fields, found 3: [...]",
  // "end of range (61) above maximum (59): 0-61", ...); TimeZoneError for an unknown CRON_TZ.
  static CronSchedule parse(const std::string& text);

  // The first activation strictly after `t` in `zone` (the schedule's own CRON_TZ wins);
  // nullopt when none exists within five years (e.g. "0 0 30 2 *").
  std::optional<Seconds> next(Seconds t, const TimeZone& zone) const;
  // The zone named by a CRON_TZ= prefix, if any.
  const std::shared_ptr<const TimeZone>& embedded_zone() const { return zone_; }

  bool operator==(const CronSchedule&) const = default;

 private:
  bool day_matches(int day_of_month, int weekday) const;

  std::uint64_t minute_ = 0, hour_ = 0, dom_ = 0, month_ = 0, dow_ = 0;
  bool dom_star_ = false, dow_star_ = false;
  std::shared_ptr<const TimeZone> zone_;
};

}  // namespace k3s::controllers::batch
