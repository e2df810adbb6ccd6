// Helpers shared by the fuzz targets (tests/fuzz/*_fuzz.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace k3s::fuzz {

inline std::string as_string(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Targets that need two documents (a stored object and a patch) read them from one input
// separated by a line holding only "---": corpus files stay readable and editable by hand,
// and the fuzzer mutates both halves. Without the separator the whole input is the second
// document and the first is empty.
inline std::pair<std::string, std::string> split_two(std::string_view input) {
  constexpr std::string_view kSeparator = "\n---\n";
  auto at = input.find(kSeparator);
  if (at == std::string_view::npos) return {std::string(), std::string(input)};
  return {std::string(input.substr(0, at)), std::string(input.substr(at + kSeparator.size()))};
}

}  // namespace k3s::fuzz
