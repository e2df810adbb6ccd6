// Output helpers shared by the crictl commands: aligned tables, human ages and sizes,
// protobuf-to-JSON the way crictl prints it.
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "cri/cri.h"

namespace k3s::crictl {

inline constexpr size_t kTruncatedIdLength = 13;

class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

std::string truncate_id(const std::string& id);
// An ID as the listing commands print it: truncated unless --no-trunc was given.
std::string listed_id(const std::string& id, bool no_trunc);
// "5 seconds ago", "About a minute ago", "2 hours ago" for a Unix time in nanoseconds.
std::string human_age(int64_t unix_nanos);
// Decimal units with three significant digits: "743kB", "1.2MB".
std::string human_size(double bytes);

std::string container_state_name(cri::v1::ContainerState state);  // "Running", "Exited", ...
std::string sandbox_state_name(cri::v1::PodSandboxState state);   // "Ready", "NotReady"

// Proto3 JSON (camelCase names, defaults included) as a JSON value.
nlohmann::json to_json(const google::protobuf::Message& message);
// The runtime's verbose "info" map: values that are JSON documents are embedded as such.
nlohmann::json info_json(const google::protobuf::Map<std::string, std::string>& info);
// What inspect, inspectp and inspecti print for one object: its status, and the runtime's
// verbose info when it sent any.
void print_inspection(std::ostream& out, const google::protobuf::Message& status,
                      const google::protobuf::Map<std::string, std::string>& info);

}  // namespace k3s::crictl
