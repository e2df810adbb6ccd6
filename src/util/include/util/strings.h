// Small string helpers shared by every component.
#pragma once

#include <string>
#include <vector>

namespace k3s::util {

// The parts with `separator` between them ("a, b, c").
std::string join(const std::vector<std::string>& parts, const std::string& separator);
// The pieces between the separators, empty ones included ("a,,b" → a, "", b; "" → one "").
std::vector<std::string> split(const std::string& text, char separator);

}  // namespace k3s::util
