// kube's mostRecentScheduleTime semantics: missed activations, startingDeadlineSeconds,
// the Job name and the scheduled-timestamp annotation format.
#include <gtest/gtest.h>

#include "batch/cronjob_schedule.h"
#include "object/meta.h"

using namespace k3s::controllers::batch;

namespace {

Seconds at(const std::string& text) { return std::chrono::floor<std::chrono::seconds>(*k3s::object::parse_time(text)); }
std::string fmt(std::optional<Seconds> t) {
  return t ? k3s::object::format_time(std::chrono::time_point_cast<std::chrono::microseconds>(*t)) : "none";
}

}  // namespace

TEST(MissedRuns, NothingDueYet) {
  auto s = CronSchedule::parse("*/5 * * * *");
  auto r = missed_runs(s, *TimeZone::utc(), at("2026-11-22T13:00:00Z"), at("2026-11-22T13:03:00Z"), std::nullopt);
  EXPECT_EQ(fmt(r.most_recent), "none");
  EXPECT_EQ(r.missed, 0);
  EXPECT_EQ(fmt(r.next), "2026-11-22T13:05:00Z");
}

TEST(MissedRuns, OneDue) {
  auto s = CronSchedule::parse("*/5 * * * *");
  auto r = missed_runs(s, *TimeZone::utc(), at("2026-11-22T13:00:00Z"), at("2026-11-22T13:06:10Z"), std::nullopt);
  EXPECT_EQ(fmt(r.most_recent), "2026-11-22T13:05:00Z");
  EXPECT_EQ(r.missed, 1);
  EXPECT_EQ(fmt(r.next), "2026-11-22T13:10:00Z");
}

TEST(MissedRuns, SeveralMissedTakesTheLatest) {
  auto s = CronSchedule::parse("* * * * *");
  auto r = missed_runs(s, *TimeZone::utc(), at("2026-11-22T13:00:00Z"), at("2026-11-22T13:10:30Z"), std::nullopt);
  EXPECT_EQ(fmt(r.most_recent), "2026-11-22T13:10:00Z");
  EXPECT_EQ(r.missed, 10);
}

TEST(MissedRuns, TooManyMissedIsReportedAndStillFindsTheLatest) {
  auto s = CronSchedule::parse("* * * * *");
  auto r = missed_runs(s, *TimeZone::utc(), at("2026-11-01T00:00:00Z"), at("2026-11-22T13:10:30Z"), std::nullopt);
  EXPECT_GT(r.missed, 100);
  EXPECT_EQ(fmt(r.most_recent), "2026-11-22T13:10:00Z");
}

TEST(MissedRuns, StartingDeadlineNarrowsTheWindow) {
  auto s = CronSchedule::parse("* * * * *");
  // Created weeks ago, but only the last 200 s count: three activations at most.
  auto r = missed_runs(s, *TimeZone::utc(), at("2026-11-01T00:00:00Z"), at("2026-11-22T13:10:30Z"), 200);
  EXPECT_EQ(r.missed, 3);
  EXPECT_EQ(fmt(r.most_recent), "2026-11-22T13:10:00Z");
  // A deadline shorter than the distance to the last activation leaves nothing to start.
  auto hourly = CronSchedule::parse("0 * * * *");
  auto late = missed_runs(hourly, *TimeZone::utc(), at("2026-11-22T12:00:00Z"), at("2026-11-22T13:10:00Z"), 60);
  EXPECT_EQ(fmt(late.most_recent), "none");
  EXPECT_EQ(fmt(late.next), "2026-11-22T14:00:00Z");
}

TEST(CronJobNames, MinutesSinceEpoch) {
  EXPECT_EQ(scheduled_job_name("hello", at("2026-11-22T13:05:00Z")),
            "hello-" + std::to_string(at("2026-11-22T13:05:00Z").time_since_epoch().count() / 60));
  EXPECT_EQ(scheduled_job_name("x", at("1970-01-01T00:10:00Z")), "x-10");
}

TEST(CronJobNames, ScheduledTimestampInTheZone) {
  EXPECT_EQ(format_in_zone(at("2026-11-22T13:05:00Z"), *TimeZone::utc()), "2026-11-22T13:05:00Z");
  EXPECT_EQ(format_in_zone(at("2026-11-22T13:05:00Z"), *TimeZone::load("America/New_York")),
            "2026-11-22T08:05:00-05:00");
  EXPECT_EQ(format_in_zone(at("2026-11-22T13:05:00Z"), *TimeZone::load("Asia/Kolkata")),
            "2026-11-22T18:35:00+05:30");
}
