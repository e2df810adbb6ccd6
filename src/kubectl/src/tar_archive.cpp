#include "tar_archive.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace k3s::kubectl {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBlock = 512;

void put_octal(char* field, std::size_t width, std::uint64_t value) {
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
}

std::string header_block(const std::string& name, char type, std::uint64_t size, unsigned mode, const std::string& link = {}) {
  std::string block(kBlock, '\0');
  std::memcpy(block.data(), name.data(), std::min<std::size_t>(name.size(), 100));
  put_octal(block.data() + 100, 8, mode & 07777);
  put_octal(block.data() + 108, 8, 0);
  put_octal(block.data() + 116, 8, 0);
  put_octal(block.data() + 124, 12, size);
  put_octal(block.data() + 136, 12, 0);
  block[156] = type;
  std::memcpy(block.data() + 157, link.data(), std::min<std::size_t>(link.size(), 100));
  std::memcpy(block.data() + 257, "ustar\0" "00", 8);
  std::memset(block.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  std::snprintf(block.data() + 148, 8, "%06o", sum);
  block[155] = ' ';
  return block;
}

void pad(std::string& archive) { archive.append((kBlock - archive.size() % kBlock) % kBlock, '\0'); }

void add_header(std::string& archive, const std::string& name, char type, std::uint64_t size, unsigned mode,
                const std::string& link = {}) {
  if (name.size() > 100) {  // GNU long name: a ././@LongLink member holding the name
    archive += header_block("././@LongLink", 'L', name.size() + 1, 0644);
    archive += name;
    archive.push_back('\0');
    pad(archive);
  }
  archive += header_block(name, type, size, mode, link);
}

void add_entry(const fs::path& path, const std::string& name, std::string& archive) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) throw std::runtime_error(path.string() + ": " + std::strerror(errno));
  const unsigned mode = st.st_mode & 07777;
  if (S_ISDIR(st.st_mode)) {
    add_header(archive, name + "/", '5', 0, mode);
    std::vector<fs::path> children;
    for (const auto& child : fs::directory_iterator(path)) children.push_back(child.path());
    std::sort(children.begin(), children.end());
    for (const auto& child : children) add_entry(child, name + "/" + child.filename().string(), archive);
  } else if (S_ISLNK(st.st_mode)) {
    add_header(archive, name, '2', 0, mode, fs::read_symlink(path).string());
  } else if (S_ISREG(st.st_mode)) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path.string() + ": " + std::strerror(errno));
    std::ostringstream content;
    content << in.rdbuf();
    add_header(archive, name, '0', content.str().size(), mode);
    archive += content.str();
    pad(archive);
  }
}

std::uint64_t parse_octal(std::string_view field) {
  std::uint64_t value = 0;
  for (char c : field) {
    if (c == '\0' || c == ' ') {
      if (value) break;
      continue;
    }
    if (c < '0' || c > '7') throw std::runtime_error("archive/tar: invalid header");
    value = value * 8 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

std::string c_string(std::string_view field) { return std::string(field.substr(0, field.find('\0'))); }

}  // namespace

void write_tar(const fs::path& source, const std::string& name, std::string& archive) {
  add_entry(source, name, archive);
  archive.append(2 * kBlock, '\0');
}

TarExtractor::TarExtractor(Destination destination) : destination_(std::move(destination)) {}

TarExtractor::~TarExtractor() {
  if (out_) std::fclose(out_);
}

void TarExtractor::feed(std::string_view data) {
  pending_.append(data);
  std::size_t at = 0;
  while (!finished_) {
    if (remaining_ > 0) {
      std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, pending_.size() - at));
      if (take == 0) break;
      std::string_view piece(pending_.data() + at, take);
      if (body_ == Body::file && out_) {
        if (std::fwrite(piece.data(), 1, piece.size(), out_) != piece.size())
          throw std::runtime_error(out_path_->string() + ": " + std::strerror(errno));
      } else if (body_ == Body::long_name || body_ == Body::pax) {
        collected_.append(piece);
      }
      at += take;
      remaining_ -= take;
      if (remaining_ > 0) break;
      if (out_) {
        std::fclose(out_);
        out_ = nullptr;
        ::chmod(out_path_->c_str(), out_mode_);
      }
      if (body_ == Body::long_name) long_name_ = collected_.substr(0, collected_.find('\0'));
      if (body_ == Body::pax) {
        // "<len> path=<name>\n" records; only the path matters here.
        std::size_t p = 0;
        while (p < collected_.size()) {
          auto space = collected_.find(' ', p);
          if (space == std::string::npos) break;
          std::size_t length = std::stoul(collected_.substr(p, space - p));
          std::string record = collected_.substr(space + 1, length - (space - p) - 2);
          if (record.rfind("path=", 0) == 0) long_name_ = record.substr(5);
          p += length;
        }
      }
      continue;
    }
    if (padding_ > 0) {
      std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(padding_, pending_.size() - at));
      if (take == 0) break;
      at += take;
      padding_ -= take;
      continue;
    }
    if (pending_.size() - at < kBlock) break;
    header(std::string_view(pending_.data() + at, kBlock));
    at += kBlock;
  }
  pending_.erase(0, at);
}

void TarExtractor::header(std::string_view block) {
  if (block.find_first_not_of('\0') == std::string_view::npos) {
    finished_ = true;
    return;
  }
  const char type = block[156];
  const std::uint64_t size = parse_octal(block.substr(124, 12));
  remaining_ = size;
  padding_ = (kBlock - size % kBlock) % kBlock;
  collected_.clear();
  if (type == 'L') {
    body_ = Body::long_name;
    return;
  }
  if (type == 'x') {
    body_ = Body::pax;
    return;
  }
  std::string name = long_name_;
  long_name_.clear();
  if (name.empty()) {
    name = c_string(block.substr(0, 100));
    std::string prefix = c_string(block.substr(345, 155));
    if (std::string_view(block.data() + 257, 5) == "ustar" && !prefix.empty()) name = prefix + "/" + name;
  }
  body_ = Body::skip;
  if (type != '0' && type != '\0' && type != '5') return;  // links, devices, fifos
  auto where = destination_(name);
  if (!where) return;
  const unsigned mode = static_cast<unsigned>(parse_octal(block.substr(100, 8))) & 0777;
  if (type == '5') {
    fs::create_directories(*where);
    return;
  }
  fs::create_directories(where->parent_path().empty() ? fs::path(".") : where->parent_path());
  out_path_ = where;
  out_mode_ = mode ? mode : 0644;
  out_ = std::fopen(where->c_str(), "wb");
  if (!out_) throw std::runtime_error(where->string() + ": " + std::strerror(errno));
  body_ = Body::file;
  if (size == 0) {
    std::fclose(out_);
    out_ = nullptr;
    ::chmod(where->c_str(), out_mode_);
  }
}

}  // namespace k3s::kubectl
