// When a CronJob should have started last: kube's mostRecentScheduleTime, on top of
// CronSchedule, kept apart from the controller so it can be tested on its own.
#pragma once

#include <cstdint>
#include <optional>

#include "batch/cron_schedule.h"

namespace k3s::controllers::batch {

struct MissedRuns {
  std::optional<Seconds> most_recent;  // the latest activation in (earliest, now]
  std::int64_t missed = 0;             // how many activations fell in that window
  std::optional<Seconds> next;         // the first activation after now
};

// `earliest` is lastScheduleTime, else the creation time; a startingDeadlineSeconds
// narrows the window to [now - deadline, now]. Counting stops past `cap` activations
// (the caller only needs to know there were "too many").
MissedRuns missed_runs(const CronSchedule& schedule, const TimeZone& zone, Seconds earliest, Seconds now,
                       std::optional<std::int64_t> starting_deadline_seconds, std::int64_t cap = 100);

// Job name for a scheduled time: "<cronjob>-<minutes since the epoch>".
std::string scheduled_job_name(const std::string& cronjob_name, Seconds scheduled);

// RFC 3339 with the zone's offset ("2026-11-22T08:00:00-05:00"; "Z" in UTC), as the
// batch.kubernetes.io/cronjob-scheduled-timestamp annotation carries it.
std::string format_in_zone(Seconds t, const TimeZone& zone);

}  // namespace k3s::controllers::batch
