#include "storage/secret_key.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace stepd::storage {

namespace {

constexpr std::size_t kKeyBytes = 32;

Status os_error(const std::string& what, const std::string& path) {
  return Status::io(what + " " + path + ": " + std::strerror(errno));
}

Result<std::string> read_key(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open", path);
  std::string key(kKeyBytes + 1, '\0');
  ssize_t n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(kKeyBytes)) {
    return Status::io(path + ": not a stepd key (expected " + std::to_string(kKeyBytes) + " bytes)");
  }
  key.resize(kKeyBytes);
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
  bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
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
