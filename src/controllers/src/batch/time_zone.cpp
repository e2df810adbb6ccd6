#include "batch/time_zone.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace k3s::controllers::batch {

namespace {

std::int64_t read_be(const std::string& data, std::size_t pos, int bytes) {
  if (pos + bytes > data.size()) throw TimeZoneError("malformed time zone data");
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(data[pos + i]);
  if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

struct Header {
  char version;
  std::int64_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

Header read_header(const std::string& data, std::size_t pos) {
  if (data.compare(pos, 4, "TZif") != 0) throw TimeZoneError("malformed time zone data");
  Header h{};
  h.version = pos + 4 < data.size() ? data[pos + 4] : 0;
  h.isutcnt = read_be(data, pos + 20, 4);
  h.isstdcnt = read_be(data, pos + 24, 4);
  h.leapcnt = read_be(data, pos + 28, 4);
  h.timecnt = read_be(data, pos + 32, 4);
  h.typecnt = read_be(data, pos + 36, 4);
  h.charcnt = read_be(data, pos + 40, 4);
  if (h.typecnt <= 0 || h.timecnt < 0 || h.leapcnt < 0 || h.charcnt < 0) throw TimeZoneError("malformed time zone data");
  return h;
}

std::size_t block_size(const Header& h, int time_bytes) {
  return h.timecnt * time_bytes + h.timecnt + h.typecnt * 6 + h.charcnt + h.leapcnt * (time_bytes + 4) + h.isstdcnt +
         h.isutcnt;
}

// kube validates spec.timeZone against Go's time.LoadLocation: a relative path of
// letters, digits and "/_-+" with no ".." component.
bool valid_name(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.size() > 255) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+')) return false;
  return name.find("//") == std::string::npos;
}

}  // namespace

std::shared_ptr<const TimeZone> TimeZone::utc() {
  static const auto zone = [] {
    auto z = std::make_shared<TimeZone>();
    z->name_ = "UTC";
    return z;
  }();
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::load(const std::string& name, const std::string& root) {
  if (name.empty() || name == "UTC") return utc();
  if (name == "Local") throw TimeZoneError("unknown time zone Local");
  if (!valid_name(name)) throw TimeZoneError("unknown time zone " + name);
  std::ifstream in(root + "/" + name, std::ios::binary);
  if (!in) throw TimeZoneError("unknown time zone " + name);
  std::ostringstream content;
  content << in.rdbuf();
  try {
    return parse(name, content.str());
  } catch (const TimeZoneError&) {
    throw TimeZoneError("unknown time zone " + name);
  }
}

std::shared_ptr<const TimeZone> TimeZone::parse(const std::string& name, const std::string& data) {
  Header h = read_header(data, 0);
  std::size_t pos = 44;
  int time_bytes = 4;
  if (h.version >= '2') {
    // Version 2+ repeats the data with 64-bit times after the version 1 block.
    pos += block_size(h, 4);
    h = read_header(data, pos);
    pos += 44;
    time_bytes = 8;
  }
  if (pos + block_size(h, time_bytes) > data.size()) throw TimeZoneError("malformed time zone data");
  auto zone = std::make_shared<TimeZone>();
  zone->name_ = name;
  std::vector<std::int64_t> times(h.timecnt);
  for (std::int64_t i = 0; i < h.timecnt; ++i) times[i] = read_be(data, pos + i * time_bytes, time_bytes);
  pos += h.timecnt * time_bytes;
  std::vector<int> indices(h.timecnt);
  for (std::int64_t i = 0; i < h.timecnt; ++i) indices[i] = static_cast<unsigned char>(data[pos + i]);
  pos += h.timecnt;
  std::vector<std::int32_t> type_offsets(h.typecnt);
  std::vector<bool> type_dst(h.typecnt);
  for (std::int64_t i = 0; i < h.typecnt; ++i) {
    type_offsets[i] = static_cast<std::int32_t>(read_be(data, pos + i * 6, 4));
    type_dst[i] = data[pos + i * 6 + 4] != 0;
  }
  for (std::int64_t i = 0; i < h.timecnt; ++i) {
    if (indices[i] >= h.typecnt) throw TimeZoneError("malformed time zone data");
    zone->transitions_.push_back(times[i]);
    zone->offsets_after_.push_back(type_offsets[indices[i]]);
  }
  // Before the first transition: the first standard-time type (RFC 8536 §3.2).
  zone->initial_offset_ = type_offsets[0];
  for (std::int64_t i = 0; i < h.typecnt; ++i)
    if (!type_dst[i]) {
      zone->initial_offset_ = type_offsets[i];
      break;
    }
  return zone;
}

std::int32_t TimeZone::offset_at(Seconds t) const {
  const std::int64_t s = t.time_since_epoch().count();
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), s);
  if (it == transitions_.begin()) return initial_offset_;
  return offsets_after_[it - transitions_.begin() - 1];
}

Seconds TimeZone::to_utc(std::chrono::local_seconds local) const {
  const Seconds as_utc(local.time_since_epoch());
  // Candidate instants with the offsets in effect around that time; the earliest one that
  // maps back to `local` wins, else (a skipped time) the one read with the earlier offset.
  const std::int32_t before = offset_at(as_utc - std::chrono::hours(30));
  const std::int32_t after = offset_at(as_utc + std::chrono::hours(30));
  std::vector<Seconds> candidates{as_utc - std::chrono::seconds(before), as_utc - std::chrono::seconds(after)};
  std::sort(candidates.begin(), candidates.end());
  for (const auto& c : candidates)
    if (to_local(c) == local) return c;
  return as_utc - std::chrono::seconds(before);
}

}  // namespace k3s::controllers::batch
