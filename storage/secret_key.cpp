#include "storage/secret_key.h"

#include <fcntl.h>
#include <sys/random.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace stepd::storage {

namespace {

constexpr std::size_t kKeyBytes = 32;
// The file holds the key and then the first kSumBytes of SHA-256(key), so
// that a damaged key is refused by name instead of minting tokens that
// match nothing recorded. Files made before the checksum hold the key only.
constexpr std::size_t kSumBytes = 8;

Status os_error(const std::string& what, const std::string& path) {
  return Status::io(what + " " + path + ": " + std::strerror(errno));
}

std::string checksum(const std::string& key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), kSumBytes);
}

Result<std::string> read_key(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open", path);
  std::string bytes(kKeyBytes + kSumBytes + 1, '\0');
  ssize_t n = ::read(fd, bytes.data(), bytes.size());
  int read_errno = errno;
  ::close(fd);
  if (n < 0) return Status::io("cannot read " + path + ": " + std::strerror(read_errno));
  if (n != static_cast<ssize_t>(kKeyBytes) && n != static_cast<ssize_t>(kKeyBytes + kSumBytes)) {
    return Status::io(path + ": not a stepd key: " + (n > static_cast<ssize_t>(kKeyBytes + kSumBytes)
                                                          ? "more than " + std::to_string(kKeyBytes + kSumBytes)
                                                          : std::to_string(n)) +
                      " bytes, expected " + std::to_string(kKeyBytes + kSumBytes) +
                      " (a damaged file? restore it from a backup of this data directory)");
  }
  std::string key = bytes.substr(0, kKeyBytes);
  if (n == static_cast<ssize_t>(kKeyBytes + kSumBytes) && bytes.substr(kKeyBytes, kSumBytes) != checksum(key)) {
    return Status::io(path + ": the stepd key is corrupt: its checksum does not match " +
                      "(restore it from a backup of this data directory)");
  }
  return key;
}

}  // namespace

Result<std::string> load_or_create_secret(const std::string& dir, const std::string& name) {
  std::string path = dir + "/" + name;
  if (::access(path.c_str(), F_OK) == 0) return read_key(path);
  std::string key(kKeyBytes, '\0');
  if (::getrandom(key.data(), key.size(), 0) != static_cast<ssize_t>(key.size())) {
    return os_error("no randomness for", path);
  }
  // Written under a temporary name and renamed: a crash leaves either no
  // key or a whole one.
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return os_error("cannot create", tmp);
  const std::string contents = key + checksum(key);
  bool ok = ::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return os_error("cannot write", path);
  int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d >= 0) {
    ::fsync(d);
    ::close(d);
  }
  return key;
}

}  // namespace stepd::storage
