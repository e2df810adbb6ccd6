#include "batch/cronjob_schedule.h"

#include <cstdio>

namespace k3s::controllers::batch {

MissedRuns missed_runs(const CronSchedule& schedule, const TimeZone& zone, Seconds earliest, Seconds now,
                       std::optional<std::int64_t> starting_deadline_seconds, std::int64_t cap) {
  if (starting_deadline_seconds) {
    const Seconds window_start = now - std::chrono::seconds(*starting_deadline_seconds);
    if (window_start > earliest) earliest = window_start;
  }
  MissedRuns out;
  auto t = schedule.next(earliest, zone);
  while (t && *t <= now) {
    out.most_recent = t;
    ++out.missed;
    if (out.missed > cap) {
      // Past the cap only the latest activation matters: jump close to now and walk
      // the last stretch (every schedule fires at most once a minute).
      const Seconds near = now - std::chrono::hours(24 * 366);
      if (*t < near) t = schedule.next(near, zone);
      while (t && *t <= now) {
        out.most_recent = t;
        t = schedule.next(*t, zone);
      }
      break;
    }
    t = schedule.next(*t, zone);
  }
  out.next = t && *t > now ? t : schedule.next(now, zone);
  return out;
}

std::string scheduled_job_name(const std::string& cronjob_name, Seconds scheduled) {
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(scheduled.time_since_epoch()).count();
  return cronjob_name + "-" + std::to_string(minutes);
}

std::string format_in_zone(Seconds t, const TimeZone& zone) {
  using namespace std::chrono;
  const std::int32_t offset = zone.offset_at(t);
  const auto local = t + seconds(offset);
  const auto day = floor<days>(local);
  const year_month_day ymd(day);
  const hh_mm_ss<seconds> time(local - day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                static_cast<long>(time.seconds().count()));
  std::string out = buf;
  if (offset == 0) return out + "Z";
  const int abs_offset = offset < 0 ? -offset : offset;
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset < 0 ? '-' : '+', abs_offset / 3600, (abs_offset % 3600) / 60);
  return out + buf;
}

}  // namespace k3s::controllers::batch
