#include "io/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace depict::io {
namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

RegularFile RegularFile::Open(const std::string& path, uint64_t max_bytes, std::string_view what) {
  if (path.empty()) throw FileError(std::string(what) + ": empty file name");
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    throw FileError(path + ": cannot open " + std::string(what) + ": " + std::strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw FileError(path + ": cannot stat " + std::string(what) + ": " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw FileError(path + ": " + std::string(what) + " must be a regular file, not " +
                    KindOf(st.st_mode));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes) {
    ::close(fd);
    throw FileError(path + ": " + std::string(what) + " is " + std::to_string(size) +
                    " bytes, more than the limit of " + std::to_string(max_bytes));
  }
  // Regular files never block, but clear the flag so later reads behave as usual.
  const int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return RegularFile(fd, size);
}

RegularFile::RegularFile(RegularFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}

RegularFile& RegularFile::operator=(RegularFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

RegularFile::~RegularFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::string RegularFile::ReadAll(const std::string& path) const {
  std::string content(size_, '\0');
  uint64_t done = 0;
  while (done < size_) {
    const ssize_t n = ::pread(fd_, content.data() + done, size_ - done, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw FileError(path + ": read error: " + std::strerror(errno));
    }
    if (n == 0) throw FileError(path + ": file shrank while it was read");
    done += static_cast<uint64_t>(n);
  }
  return content;
}

std::string ReadRegularFile(const std::string& path, uint64_t max_bytes, std::string_view what) {
  return RegularFile::Open(path, max_bytes, what).ReadAll(path);
}

std::filesystem::path ResolveInside(const std::filesystem::path& dir, std::string_view name,
                                    std::initializer_list<std::string_view> extensions,
                                    std::string_view what) {
  namespace fs = std::filesystem;
  const std::string kind(what);
  if (name.empty()) throw FileError(kind + ": empty name");
  if (name.find('\0') != std::string_view::npos) throw FileError(kind + ": name contains NUL");
  const fs::path relative{std::string(name)};
  if (relative.is_absolute() || relative.has_root_name() || relative.has_root_directory()) {
    throw FileError(kind + " " + Quote(name) + ": absolute paths are not allowed; give a name " +
                    "inside " + dir.string());
  }
  for (const auto& part : relative) {
    if (part == "..") {
      throw FileError(kind + " " + Quote(name) + ": '..' is not allowed; give a name inside " +
                      dir.string());
    }
  }
  std::error_code ec;
  const fs::path real_dir = fs::canonical(dir, ec);
  if (ec) throw FileError(dir.string() + ": " + kind + " folder: " + ec.message());
  std::vector<fs::path> candidates{real_dir / relative};
  bool has_extension = false;
  for (const auto ext : extensions) {
    if (relative.extension() == ext) has_extension = true;
  }
  if (!has_extension) {
    for (const auto ext : extensions) {
      candidates.push_back(real_dir / (relative.string() + std::string(ext)));
    }
  }
  for (const auto& candidate : candidates) {
    if (!fs::exists(candidate, ec)) continue;
    const fs::path real = fs::canonical(candidate, ec);
    if (ec) continue;
    // The real path must have the real folder as a prefix, component by component.
    auto [dir_end, real_it] =
        std::mismatch(real_dir.begin(), real_dir.end(), real.begin(), real.end());
    if (dir_end != real_dir.end() || real_it == real.end()) {
      throw FileError(kind + " " + Quote(name) + ": resolves outside " + dir.string() +
                      " (through a symbolic link); only files inside it may be named");
    }
    return real;
  }
  throw FileError(kind + " " + Quote(name) + ": not found in " + dir.string());
}

}  // namespace depict::io
