// The CRI container log format: one record per line,
//   <RFC3339Nano timestamp> <stdout|stderr> <F|P> <content>
// where P marks a partial line continued by the next record.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace k3s::cri {

struct LogRecord {
  std::string timestamp;  // as written by the runtime, e.g. 2024-01-02T03:04:05.123456789Z
  std::string stream;     // "stdout" or "stderr"
  bool partial = false;   // content continues in the next record
  std::string content;    // without the trailing newline
};

// nullopt for a line that is not in the format (the caller decides whether to skip it).
std::optional<LogRecord> parse_log_line(std::string_view line);

}  // namespace k3s::cri
