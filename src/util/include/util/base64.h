// Base64 (RFC 4648), the one implementation every component uses: kubeconfig *-data,
// Secret data, protobuf bytes, basic auth, list continue tokens.
#pragma once

#include <string>
#include <string_view>

namespace k3s::util {

enum class Base64Alphabet { standard, url };

std::string base64_encode(std::string_view data, Base64Alphabet alphabet = Base64Alphabet::standard,
                          bool pad = true);

// Accepts either alphabet, with or without padding, ignoring white space. Anything else
// throws std::invalid_argument("illegal base64 data at input byte N"), as Go words it.
std::string base64_decode(std::string_view text);

}  // namespace k3s::util
