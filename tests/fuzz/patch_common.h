// The patch targets' shared front half: the stored object (first document, trusted JSON
// as storage holds it) and the patch body decoded as the PATCH handler decodes it.
#pragma once

#include <optional>

#include "codec.h"
#include "fuzz_input.h"
#include "status.h"

namespace k3s::fuzz {

struct PatchInput {
  nlohmann::json target;
  nlohmann::json patch;
};

inline std::optional<PatchInput> decode_patch_input(const std::uint8_t* data, std::size_t size,
                                                    const std::string& content_type) {
  auto [target_text, patch_text] = split_two(as_string(data, size));
  PatchInput in;
  in.target = nlohmann::json::parse(target_text, nullptr, false);
  // Storage only ever holds objects.
  if (!in.target.is_object()) return std::nullopt;
  std::vector<std::string> duplicates;
  try {
    in.patch = apiserver::decode_body(patch_text, content_type, duplicates);
  } catch (const apiserver::ApiError&) {
    return std::nullopt;
  }
  return in;
}

}  // namespace k3s::fuzz
