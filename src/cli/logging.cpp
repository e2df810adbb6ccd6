#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/config.h"
#include "cli/flags.h"

namespace k3s::cli {

void setup_logging(const LogConfig& log) {
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (log.log_file.empty()) {
      logger = spdlog::stderr_logger_mt("k3s");
    } else {
      logger = spdlog::basic_logger_mt("k3s", log.log_file);
    }
  } catch (const spdlog::spdlog_ex& e) {
    throw UsageError("cannot open log file " + log.log_file + ": " + e.what());
  }
  // logrus-style lines, as k3s writes them, so existing journald filters keep working.
  logger->set_pattern("time=\"%Y-%m-%dT%H:%M:%S%z\" level=%l msg=\"%v\"", spdlog::pattern_time_type::utc);
  logger->set_level(log.debug || log.verbosity > 0 ? spdlog::level::debug : spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace k3s::cli
