#include "cri/log.h"

namespace k3s::cri {

std::optional<LogRecord> parse_log_line(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  auto first_space = line.find(' ');
  if (first_space == std::string_view::npos || first_space == 0) return std::nullopt;
  auto second_space = line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos) return std::nullopt;
  LogRecord record;
  record.timestamp = std::string(line.substr(0, first_space));
  record.stream = std::string(line.substr(first_space + 1, second_space - first_space - 1));
  if (record.stream != "stdout" && record.stream != "stderr") return std::nullopt;
  auto rest = line.substr(second_space + 1);
  // The tag field is "F" or "P", possibly followed by more ':'-separated tags; older
  // runtimes omitted it entirely, in which case everything after the stream is content.
  auto tag_end = rest.find(' ');
  auto tag = rest.substr(0, tag_end);
  auto main_tag = tag.substr(0, tag.find(':'));
  if (main_tag == "F" || main_tag == "P") {
    record.partial = main_tag == "P";
    record.content = tag_end == std::string_view::npos ? std::string() : std::string(rest.substr(tag_end + 1));
  } else {
    record.content = std::string(rest);
  }
  return record;
}

}  // namespace k3s::cri
