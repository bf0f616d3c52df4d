#include "crypto/key_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "fmt/format.h"
#include "synapsed/storage/encryption.h"
#include "util/status_macros.h"

namespace synapsed::storage::crypto {
namespace {

// Text that held key digits: wiped before its memory is freed.
struct WipedText {
  std::string text;
  ~WipedText() { OPENSSL_cleanse(text.data(), text.size()); }
};

// Closes a descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

absl::Status LineError(std::string_view source, size_t line,
                       std::string_view why) {
  return absl::InvalidArgumentError(
      fmt::format("{}, line {}: {}", source, line, why));
}

}  // namespace

absl::StatusOr<std::vector<MasterKey>> ParseKeyFile(std::string_view text,
                                                    std::string_view source) {
  std::vector<MasterKey> keys;
  std::set<std::string, std::less<>> ids;
  size_t number = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++number;
    if (number == 1) {
      // Never echoed: a file missing its header may start with a key.
      if (line != kKeyFileHeader) {
        return LineError(
            source, 1,
            fmt::format("not a key file: the first line must be \"{}\"",
                        kKeyFileHeader));
      }
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return LineError(source, number, "expected \"<id> <64 hex digits>\"");
    }
    const std::string_view id = line.substr(0, space),
                           hex = line.substr(space + 1);
    if (!IsValidKeyId(id)) {
      return LineError(
          source, number,
          fmt::format("a key id is 1 to {} characters of A-Z a-z 0-9 . _ -",
                      kMaxKeyIdSize));
    }
    if (!ids.insert(std::string(id)).second) {
      return LineError(source, number,
                       fmt::format("key id \"{}\" is given twice", id));
    }
    auto key = SecureKey::FromHex(hex);
    if (!key.ok()) {
      const bool cr = !hex.empty() && hex.back() == '\r';
      return LineError(
          source, number,
          fmt::format("key \"{}\": {}{}", id,
                      std::string(key.status().message()),
                      cr ? " (the line ends in a carriage return)" : ""));
    }
    keys.push_back(MasterKey{std::string(id), *std::move(key)});
  }
  if (number == 0) {
    return absl::InvalidArgumentError(fmt::format("{} is empty", source));
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(fmt::format("{} holds no key", source));
  }
  return keys;
}

absl::StatusOr<std::vector<MasterKey>> ReadKeyFile(const std::string& path) {
  // Followed if a link (secret stores mount keys as links); the checks are
  // on the file opened, so they cannot be raced by a swap of the path.
  Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) {
    const int err = errno;
    const std::string why =
        fmt::format("cannot open key file {}: {}", path, std::strerror(err));
    if (err == ENOENT) return absl::NotFoundError(why);
    if (err == EACCES) return absl::PermissionDeniedError(why);
    return absl::UnavailableError(why);
  }
  struct stat st;
  if (::fstat(fd.fd, &st) != 0) {
    return absl::UnavailableError(
        fmt::format("cannot stat key file {}: {}", path, std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        fmt::format("key file {} is not a regular file", path));
  }
  const unsigned mode = st.st_mode & 07777;
  if ((mode & 077) != 0) {
    return absl::PermissionDeniedError(
        fmt::format("key file {} has mode {:04o}, which gives its group or "
                    "others access; a key file "
                    "must be accessible to its owner alone (chmod 600 {})",
                    path, mode, path));
  }
  if (st.st_size > static_cast<off_t>(kMaxKeyFileSize)) {
    return absl::FailedPreconditionError(
        fmt::format("key file {} is {} bytes, more than a key file's {}", path,
                    st.st_size, kMaxKeyFileSize));
  }
  // One allocation, never grown, so no copy of the text is left behind.
  WipedText buffer;
  buffer.text.resize(kMaxKeyFileSize + 1);
  size_t size = 0;
  while (size < buffer.text.size()) {
    const ssize_t n =
        ::read(fd.fd, buffer.text.data() + size, buffer.text.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::UnavailableError(fmt::format("cannot read key file {}: {}",
                                                path, std::strerror(errno)));
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  if (size > kMaxKeyFileSize) {
    return absl::FailedPreconditionError(fmt::format(
        "key file {} grew past a key file's {} bytes", path, kMaxKeyFileSize));
  }
  return ParseKeyFile(std::string_view(buffer.text.data(), size),
                      "key file " + path);
}

}  // namespace synapsed::storage::crypto
