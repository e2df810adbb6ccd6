// IANA time zones read from the system database (/usr/share/zoneinfo, TZif files), for
// CronJob's spec.timeZone: g++ 12's libstdc++ has no std::chrono::locate_zone.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace k3s::controllers::batch {

using Seconds = std::chrono::sys_seconds;

class TimeZoneError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class TimeZone {
 public:
  // "UTC" and "" are UTC; other names are looked up under `root`. Throws TimeZoneError
  // ("unknown time zone Foo/Bar") for a name that is malformed or not in the database.
  static std::shared_ptr<const TimeZone> load(const std::string& name, const std::string& root = "/usr/share/zoneinfo");
  // Parses TZif (v1..v4) content; throws TimeZoneError when malformed.
  static std::shared_ptr<const TimeZone> parse(const std::string& name, const std::string& tzif);
  static std::shared_ptr<const TimeZone> utc();

  const std::string& name() const { return name_; }
  // Seconds east of UTC in effect at `t`.
  std::int32_t offset_at(Seconds t) const;
  // The UTC instant of a local wall-clock time. A local time skipped by a forward
  // transition is read with the offset in effect before it (so it lands after the gap);
  // an ambiguous one takes the earlier instant.
  Seconds to_utc(std::chrono::local_seconds local) const;
  std::chrono::local_seconds to_local(Seconds t) const { return std::chrono::local_seconds((t + std::chrono::seconds(offset_at(t))).time_since_epoch()); }

 private:
  std::string name_;
  std::vector<std::int64_t> transitions_;   // UTC seconds, ascending
  std::vector<std::int32_t> offsets_after_;  // offset from each transition on
  std::int32_t initial_offset_ = 0;
};

}  // namespace k3s::controllers::batch
