#include "sql/driver.h"

#include <charconv>
#include <thread>

namespace k3s::kine::sql {

int64_t Row::integer(std::size_t i) const {
  const Cell& cell = cells_.at(i);
  switch (cell.type) {
    case Cell::Type::null:
      return 0;
    case Cell::Type::integer:
      return cell.integer;
    case Cell::Type::bytes: {
      int64_t value = 0;
      auto [ptr, ec] = std::from_chars(cell.bytes.data(), cell.bytes.data() + cell.bytes.size(), value);
      if (ec != std::errc()) throw SqlError(ErrorKind::other, "column " + std::to_string(i) + " is not an integer");
      return value;
    }
  }
  return 0;
}

std::string Row::bytes(std::size_t i) const {
  const Cell& cell = cells_.at(i);
  if (cell.type == Cell::Type::integer) return std::to_string(cell.integer);
  return cell.bytes;
}

std::string Row::take_bytes(std::size_t i) {
  Cell& cell = cells_.at(i);
  if (cell.type == Cell::Type::integer) return std::to_string(cell.integer);
  return std::move(cell.bytes);
}

bool Connection::wait_for_notification(std::chrono::milliseconds timeout) {
  std::this_thread::sleep_for(timeout);
  return false;
}

}  // namespace k3s::kine::sql
