// Opening files named by users, requests and prompts: only regular files of bounded size, and
// names that stay inside the folder they are looked up in.
#ifndef DEPICT_IO_FILE_H_
#define DEPICT_IO_FILE_H_

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>

namespace depict::io {

// Every message names the path and says what was expected; none quotes the file's content.
class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An open, read-only descriptor of a regular file, closed on destruction.
class RegularFile {
 public:
  // Opens `path` without blocking (a FIFO or device is never waited on), then checks that it is
  // a regular file of at most `max_bytes`. `what` names the kind of file in messages ("image",
  // "checkpoint"). Throws FileError.
  static RegularFile Open(const std::string& path, uint64_t max_bytes, std::string_view what);

  RegularFile(RegularFile&& other) noexcept;
  RegularFile& operator=(RegularFile&& other) noexcept;
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;
  ~RegularFile();

  int fd() const { return fd_; }
  uint64_t size() const { return size_; }
  // Reads the whole file (its size at open time). Throws FileError on a read error or a file
  // that shrank while being read.
  std::string ReadAll(const std::string& path) const;

 private:
  RegularFile(int fd, uint64_t size) : fd_(fd), size_(size) {}
  int fd_ = -1;
  uint64_t size_ = 0;
};

// Open(path, max_bytes, what).ReadAll(path).
std::string ReadRegularFile(const std::string& path, uint64_t max_bytes, std::string_view what);

// Resolves `name` (a LoRA or checkpoint name from a prompt or a request) to a path inside
// `dir`: no absolute names, no ".." components, and a real path (symlinks followed) that stays
// inside the real path of `dir`. Each extension in `extensions` is tried in turn when `name`
// has none of them (".safetensors"). Throws FileError naming `what` when the name is not
// allowed or nothing by that name exists inside `dir`.
std::filesystem::path ResolveInside(const std::filesystem::path& dir, std::string_view name,
                                    std::initializer_list<std::string_view> extensions,
                                    std::string_view what);

}  // namespace depict::io

#endif  // DEPICT_IO_FILE_H_
