// The tar streams kubectl cp moves through exec: written from local files for a copy into
// a container (`tar -xmf -` there), read into local files for a copy out of one
// (`tar cf -` there). ustar with GNU long names; pax path records are understood.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace k3s::kubectl {

// Appends `source` (a file, or a directory with everything under it) to `archive` under the
// name `name`, then the end-of-archive blocks. Throws std::runtime_error on unreadable files.
void write_tar(const std::filesystem::path& source, const std::string& name, std::string& archive);

// Extracts a tar stream fed in pieces. `destination` maps a member's name to where it goes
// (nullopt skips the member); links and special files are skipped, as kubectl does.
class TarExtractor {
 public:
  using Destination = std::function<std::optional<std::filesystem::path>(const std::string& member)>;
  explicit TarExtractor(Destination destination);
  ~TarExtractor();
  TarExtractor(const TarExtractor&) = delete;
  TarExtractor& operator=(const TarExtractor&) = delete;
  // Throws std::runtime_error on a malformed archive or a file that cannot be written.
  void feed(std::string_view data);
  // Whether the end-of-archive marker was seen.
  bool finished() const { return finished_; }

 private:
  void header(std::string_view block);
  Destination destination_;
  std::string pending_;
  std::uint64_t remaining_ = 0;  // data bytes of the current member
  std::uint64_t padding_ = 0;
  enum class Body { skip, file, long_name, pax } body_ = Body::skip;
  std::string long_name_;
  std::string collected_;
  std::optional<std::filesystem::path> out_path_;
  std::FILE* out_ = nullptr;
  unsigned out_mode_ = 0644;
  bool finished_ = false;
};

}  // namespace k3s::kubectl
