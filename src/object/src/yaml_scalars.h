// Plain (unquoted) YAML scalars as go-yaml v2 resolves them (YAML 1.1): booleans such as
// yes/no/on/off, integers in decimal, 0x, 0b and leading-0 octal with '_' separators, floats,
// null; shared by the reader and by the writer, which must quote strings that would read back
// as something else.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace k3s::object {

nlohmann::json resolve_plain(const std::string& text);
// Forms go-yaml v2 reads as strings but YAML 1.1 gives other types, so written strings of
// these forms are quoted.
bool looks_like_timestamp(const std::string& text);
bool looks_like_base60_float(const std::string& text);

}  // namespace k3s::object
