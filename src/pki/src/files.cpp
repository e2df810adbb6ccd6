// File helpers: whole-file reads, atomic writes with a fixed mode, SHA-256 of a file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "openssl_handles.h"
#include "pki/pki.h"
#include "util/random.h"

namespace k3s::pki {
namespace {

std::string errno_text() { return std::strerror(errno); }

// A name no other writer of the same file will pick, so concurrent writers never share a temp.
std::string temp_path_for(const std::string& path) {
  std::ostringstream name;
  name << path << ".tmp-" << getpid() << "-" << std::hex << util::thread_random_engine()();
  return name.str();
}

void write_all(int fd, const std::string& content, const std::string& path) {
  const char* data = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw PkiError(path + ": write failed: " + errno_text());
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

std::string read_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw PkiError(file + ": cannot open: " + errno_text());
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw PkiError(file + ": read failed: " + errno_text());
  return buf.str();
}

void write_file_atomic(const std::string& path, const std::string& content, unsigned mode) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  if (target.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) throw PkiError(target.parent_path().string() + ": cannot create directory: " + ec.message());
  }
  const std::string temp = temp_path_for(path);
  // Created with the final mode (0600 for keys) so the secret is never readable by others,
  // then fchmod because the umask may have removed bits the caller asked for.
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
  if (fd < 0) throw PkiError(temp + ": cannot create: " + errno_text());
  try {
    write_all(fd, content, temp);
    if (::fchmod(fd, mode & 07777) != 0) throw PkiError(temp + ": chmod failed: " + errno_text());
    if (::fsync(fd) != 0) throw PkiError(temp + ": fsync failed: " + errno_text());
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    ::unlink(temp.c_str());
    throw PkiError(temp + ": close failed: " + errno_text());
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    std::string reason = errno_text();
    ::unlink(temp.c_str());
    throw PkiError(path + ": cannot replace: " + reason);
  }
}

std::string sha256_file_hex(const std::string& file) { return sha256_hex(read_file(file)); }

std::string sha256_hex(const std::string& content) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(content.data(), content.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    detail::throw_openssl("sha256 failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace k3s::pki
