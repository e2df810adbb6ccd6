// The CronJob schedule parser and next-activation logic, in UTC and real IANA zones.
#include <gtest/gtest.h>

#include "batch/cron_schedule.h"
#include "batch/time_zone.h"
#include "object/meta.h"

using namespace k3s::controllers::batch;

namespace {

Seconds at(const std::string& rfc3339) {
  auto t = k3s::object::parse_time(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return std::chrono::floor<std::chrono::seconds>(*t);
}

std::string fmt(std::optional<Seconds> t) {
  if (!t) return "none";
  return k3s::object::format_time(std::chrono::time_point_cast<std::chrono::microseconds>(*t));
}

std::string next_utc(const std::string& spec, const std::string& from) {
  return fmt(CronSchedule::parse(spec).next(at(from), *TimeZone::utc()));
}

}  // namespace

TEST(CronSchedule, EveryMinuteAndSteps) {
  EXPECT_EQ(next_utc("* * * * *", "2026-11-22T13:05:30Z"), "2026-11-22T13:06:00Z");
  EXPECT_EQ(next_utc("* * * * *", "2026-11-22T13:05:00Z"), "2026-11-22T13:06:00Z");
  EXPECT_EQ(next_utc("*/15 * * * *", "2026-11-22T13:05:00Z"), "2026-11-22T13:15:00Z");
  EXPECT_EQ(next_utc("*/15 * * * *", "2026-11-22T13:50:00Z"), "2026-11-22T14:00:00Z");
  EXPECT_EQ(next_utc("5/20 * * * *", "2026-11-22T13:26:00Z"), "2026-11-22T13:45:00Z");
  EXPECT_EQ(next_utc("10-20/5 3 * * *", "2026-11-22T13:00:00Z"), "2026-11-23T03:10:00Z");
}

TEST(CronSchedule, ListsRangesAndNames) {
  EXPECT_EQ(next_utc("0 9,17 * * *", "2026-11-22T10:00:00Z"), "2026-11-22T17:00:00Z");
  // 2026-11-22 is a Sunday.
  EXPECT_EQ(next_utc("30 8 * * MON-FRI", "2026-11-22T10:00:00Z"), "2026-11-23T08:30:00Z");
  EXPECT_EQ(next_utc("0 0 * * sat,sun", "2026-11-23T00:00:00Z"), "2026-11-28T00:00:00Z");
  EXPECT_EQ(next_utc("0 0 1 jan *", "2026-11-22T10:00:00Z"), "2027-01-01T00:00:00Z");
  EXPECT_EQ(next_utc("0 12 * FEB-Mar ?", "2026-11-22T10:00:00Z"), "2027-02-01T12:00:00Z");
}

TEST(CronSchedule, DayOfMonthOrDayOfWeek) {
  // Both restricted: either matches (the 1st, or any Friday).
  EXPECT_EQ(next_utc("0 0 1 * 5", "2026-11-22T00:00:00Z"), "2026-11-27T00:00:00Z");
  // Day-of-week "*": only the day of month counts.
  EXPECT_EQ(next_utc("0 0 1 * *", "2026-11-22T00:00:00Z"), "2026-12-01T00:00:00Z");
  // "*/2" in day-of-week is a restriction, not a star.
  EXPECT_EQ(next_utc("0 0 13 * */7", "2026-11-22T00:00:00Z"), "2026-11-29T00:00:00Z");
  EXPECT_EQ(next_utc("0 0 29 2 *", "2026-11-22T00:00:00Z"), "2028-02-29T00:00:00Z");
  EXPECT_EQ(next_utc("0 0 30 2 *", "2026-11-22T00:00:00Z"), "none");
}

TEST(CronSchedule, Macros) {
  EXPECT_EQ(next_utc("@hourly", "2026-11-22T13:05:00Z"), "2026-11-22T14:00:00Z");
  EXPECT_EQ(next_utc("@daily", "2026-11-22T13:05:00Z"), "2026-11-23T00:00:00Z");
  EXPECT_EQ(next_utc("@midnight", "2026-11-22T13:05:00Z"), "2026-11-23T00:00:00Z");
  EXPECT_EQ(next_utc("@weekly", "2026-11-22T13:05:00Z"), "2026-11-29T00:00:00Z");
  EXPECT_EQ(next_utc("@monthly", "2026-11-22T13:05:00Z"), "2026-12-01T00:00:00Z");
  EXPECT_EQ(next_utc("@yearly", "2026-11-22T13:05:00Z"), "2027-01-01T00:00:00Z");
  EXPECT_EQ(next_utc("@annually", "2026-11-22T13:05:00Z"), "2027-01-01T00:00:00Z");
}

TEST(CronSchedule, Errors) {
  auto error_of = [](const std::string& spec) {
    try {
      CronSchedule::parse(spec);
    } catch (const CronParseError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of("* * *"), "expected exactly 5 fields, found 3: [* * *]");
  EXPECT_EQ(error_of("0-61 * * * *"), "end of range (61) above maximum (59): 0-61");
  EXPECT_EQ(error_of("* * 0 * *"), "beginning of range (0) below minimum (1): 0");
  EXPECT_EQ(error_of("5-1 * * * *"), "beginning of range (5) beyond end of range (1): 5-1");
  EXPECT_EQ(error_of("*/0 * * * *"), "step of range should be a positive number: */0");
  EXPECT_EQ(error_of("1-2-3 * * * *"), "too many hyphens: 1-2-3");
  EXPECT_EQ(error_of("* * * * 7"), "end of range (7) above maximum (6): 7");
  EXPECT_EQ(error_of("@fortnightly"), "unrecognized descriptor: @fortnightly");
  EXPECT_EQ(error_of(""), "empty spec string");
  EXPECT_EQ(error_of("x * * * *"), "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax");
}

TEST(TimeZone, UnknownZones) {
  EXPECT_THROW(TimeZone::load("Mars/Olympus_Mons"), TimeZoneError);
  EXPECT_THROW(TimeZone::load("../etc/passwd"), TimeZoneError);
  EXPECT_THROW(TimeZone::load("/etc/localtime"), TimeZoneError);
  try {
    TimeZone::load("Nowhere/Town");
  } catch (const TimeZoneError& e) {
    EXPECT_STREQ(e.what(), "unknown time zone Nowhere/Town");
  }
  EXPECT_EQ(TimeZone::load("UTC")->offset_at(at("2026-07-01T00:00:00Z")), 0);
}

TEST(TimeZone, OffsetsFromTheSystemDatabase) {
  auto ny = TimeZone::load("America/New_York");
  EXPECT_EQ(ny->offset_at(at("2026-01-15T12:00:00Z")), -5 * 3600);
  EXPECT_EQ(ny->offset_at(at("2026-07-15T12:00:00Z")), -4 * 3600);
  auto kolkata = TimeZone::load("Asia/Kolkata");
  EXPECT_EQ(kolkata->offset_at(at("2026-07-15T12:00:00Z")), 5 * 3600 + 1800);
}

TEST(CronSchedule, InTimeZones) {
  auto ny = TimeZone::load("America/New_York");
  auto s = CronSchedule::parse("0 9 * * *");
  EXPECT_EQ(fmt(s.next(at("2026-11-22T10:00:00Z"), *ny)), "2026-11-22T14:00:00Z");
  EXPECT_EQ(fmt(s.next(at("2026-07-01T10:00:00Z"), *ny)), "2026-07-01T13:00:00Z");
  // Spring forward (2026-03-08 02:00 -> 03:00 local): 02:30 does not exist that day and runs
  // right after the gap.
  EXPECT_EQ(fmt(CronSchedule::parse("30 2 * * *").next(at("2026-03-08T05:00:00Z"), *ny)), "2026-03-08T07:30:00Z");
  // Fall back (2026-11-01 02:00 -> 01:00 local): 01:30 happens twice; the run after the first
  // is the next day's.
  auto half_past_one = CronSchedule::parse("30 1 * * *");
  EXPECT_EQ(fmt(half_past_one.next(at("2026-11-01T04:00:00Z"), *ny)), "2026-11-01T05:30:00Z");
  auto kolkata = TimeZone::load("Asia/Kolkata");
  EXPECT_EQ(fmt(CronSchedule::parse("0 0 * * *").next(at("2026-11-22T10:00:00Z"), *kolkata)), "2026-11-22T18:30:00Z");
  // An embedded CRON_TZ wins over the zone passed in.
  auto embedded = CronSchedule::parse("CRON_TZ=Asia/Kolkata 0 0 * * *");
  EXPECT_EQ(fmt(embedded.next(at("2026-11-22T10:00:00Z"), *TimeZone::utc())), "2026-11-22T18:30:00Z");
  EXPECT_THROW(CronSchedule::parse("CRON_TZ=No/Where * * * * *"), TimeZoneError);
}
