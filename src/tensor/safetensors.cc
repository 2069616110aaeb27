#include "tensor/safetensors.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <system_error>
#include <tuple>
#include <unordered_set>

#include "io/file.h"

namespace depict::tensor {

// Tensor data is read in place, so the host must share the format's byte order.
static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

using nlohmann::json;

[[noreturn]] void Fail(std::string_view file, const std::string& message) {
  throw FormatError(std::string(file) + ": " + message);
}

// A name as it appears in messages: JSON-quoted (so control characters cannot garble a
// terminal) and cut short, since a hostile name may be megabytes long.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 200;
  const bool cut = s.size() > kMax;
  const std::string quoted =
      json(std::string(s.substr(0, kMax))).dump(-1, ' ', false, json::error_handler_t::replace);
  return cut ? quoted + "..." : quoted;
}

// A JSON value as it appears in messages, cut short.
std::string Snippet(const json& v) {
  constexpr size_t kMax = 100;
  const std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > kMax ? text.substr(0, kMax) + "..." : text;
}

[[noreturn]] void FailTensor(std::string_view file, std::string_view name,
                             const std::string& message) {
  Fail(file, "tensor " + Quote(name) + ": " + message);
}

struct DTypeEntry {
  std::string_view name;
  uint64_t size;               // bytes per element
  std::optional<DType> dtype;  // set for the dtypes the engine computes with
};

// The format's dtypes whose elements are whole bytes. Sub-byte ones (F4, F6_*) and anything
// else are unknown: a file holding them is rejected.
constexpr DTypeEntry kDTypes[] = {
    {"F32", 4, DType::kF32}, {"F16", 2, DType::kF16}, {"BF16", 2, DType::kBF16},
    {"BOOL", 1, {}},         {"U8", 1, {}},           {"I8", 1, {}},
    {"F8_E4M3", 1, {}},      {"F8_E5M2", 1, {}},      {"I16", 2, {}},
    {"U16", 2, {}},          {"I32", 4, {}},          {"U32", 4, {}},
    {"I64", 8, {}},          {"U64", 8, {}},          {"F64", 8, {}},
};

const DTypeEntry* FindDType(std::string_view name) {
  for (const DTypeEntry& d : kDTypes) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

// Checks what nlohmann_json's DOM parser does not, in one streaming (SAX) pass before the DOM is
// built: it keeps the last of duplicate keys silently (a file could then mean two things to two
// readers), nesting is unbounded (the format needs three levels: header, entry, shape), and a
// header of a million tiny entries would cost gigabytes of DOM. Each object's keys go into a hash
// set, so the check is linear (nlohmann's callback parser rescans the parent object after every
// entry, which is quadratic). Syntax errors are reported by byte position and kind, never with
// the text around them: the "header" may be any file's bytes.
class HeaderChecker : public nlohmann::json_sax<json> {
 public:
  explicit HeaderChecker(std::string_view file) : file_(file) {}

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    Open(true);
    return true;
  }
  bool start_array(std::size_t) override {
    Open(false);
    return true;
  }
  bool end_object() override {
    open_.pop_back();
    return true;
  }
  bool end_array() override {
    open_.pop_back();
    return true;
  }
  bool key(string_t& key) override {
    const bool top = open_.size() == 1;
    if (!open_.back().keys.insert(key).second) {
      Fail(file_,
           std::string("duplicate ") + (top ? "tensor name " : "key ") + Quote(key) + " in header");
    }
    if (top && open_.back().keys.size() > kMaxSafetensorsTensors + 1) {  // + "__metadata__"
      Fail(file_, "header lists more than " + std::to_string(kMaxSafetensorsTensors) +
                      " tensors, the limit");
    }
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    // what() ends with "; last read: '<the bytes>'": keep only the kind of error before it.
    std::string kind = e.what();
    kind = kind.substr(0, kind.find("; last read"));
    Fail(file_, "header is not valid JSON (byte " + std::to_string(position) + ": " + kind + ")");
  }

 private:
  struct Level {
    bool is_object = false;
    std::unordered_set<std::string> keys;
  };
  void Open(bool is_object) {
    if (open_.size() > 2) Fail(file_, "header nests deeper than the format allows");
    open_.push_back({is_object, {}});
  }

  std::string_view file_;
  std::vector<Level> open_;
};

json ParseJson(std::string_view file, std::string_view text) {
  // nlohmann_json takes a NUL byte for the end of input and ignores what follows; the reference
  // reader rejects the header. A raw NUL is never valid JSON, so refuse it outright.
  if (text.find('\0') != std::string_view::npos) Fail(file, "header contains a NUL byte");
  HeaderChecker checker(file);
  json::sax_parse(text.begin(), text.end(), &checker);
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception&) {
    Fail(file, "header is not valid JSON");  // the checker has already reported any error
  }
}

// A JSON number that is a non-negative integer (nlohmann stores those as number_unsigned;
// integers past 2^64 become floats and are rejected here).
bool IsCount(const json& v) { return v.is_number_unsigned(); }

TensorInfo ParseEntry(std::string_view file, const std::string& name, const json& entry,
                      uint64_t data_bytes) {
  TensorInfo info;
  info.name = name;
  if (!entry.is_object()) FailTensor(file, name, "entry is not an object");

  const auto dtype = entry.find("dtype");
  if (dtype == entry.end()) FailTensor(file, name, "missing \"dtype\"");
  if (!dtype->is_string()) FailTensor(file, name, "\"dtype\" is not a string");
  info.dtype_name = dtype->get<std::string>();
  const DTypeEntry* type = FindDType(info.dtype_name);
  if (type == nullptr) FailTensor(file, name, "unknown dtype " + Quote(info.dtype_name));
  info.supported = type->dtype.has_value();
  if (info.supported) info.dtype = *type->dtype;

  const auto shape = entry.find("shape");
  if (shape == entry.end()) FailTensor(file, name, "missing \"shape\"");
  if (!shape->is_array()) FailTensor(file, name, "\"shape\" is not an array");
  if (shape->size() > kMaxSafetensorsRank) {
    FailTensor(file, name,
               "rank " + std::to_string(shape->size()) + " exceeds " +
                   std::to_string(kMaxSafetensorsRank));
  }
  // Count elements with overflow checks, dimension by dimension as the reference reader does
  // (so NumElements() of an accepted shape never throws).
  uint64_t numel = 1;
  for (const json& d : *shape) {
    if (d.is_number_integer() && !d.is_number_unsigned()) {
      FailTensor(file, name, "negative dimension " + Snippet(d) + " in \"shape\"");
    }
    if (!IsCount(d)) FailTensor(file, name, "\"shape\" entry " + Snippet(d) + " is not an integer");
    const uint64_t n = d.get<uint64_t>();
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        (n != 0 && numel > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / n)) {
      FailTensor(file, name, "shape " + Snippet(*shape) + " has too many elements");
    }
    numel *= n;
    info.shape.push_back(static_cast<int64_t>(n));
  }
  if (numel > std::numeric_limits<uint64_t>::max() / type->size) {
    FailTensor(file, name, "shape " + Snippet(*shape) + " has too many elements");
  }
  const uint64_t bytes = numel * type->size;

  const auto offsets = entry.find("data_offsets");
  if (offsets == entry.end()) FailTensor(file, name, "missing \"data_offsets\"");
  if (!offsets->is_array() || offsets->size() != 2 || !IsCount((*offsets)[0]) ||
      !IsCount((*offsets)[1])) {
    FailTensor(file, name, "\"data_offsets\" is not two non-negative integers");
  }
  info.begin = (*offsets)[0].get<uint64_t>();
  info.end = (*offsets)[1].get<uint64_t>();
  const std::string range =
      "data_offsets [" + std::to_string(info.begin) + ", " + std::to_string(info.end) + "]";
  if (info.begin > info.end) FailTensor(file, name, range + " end before they begin");
  if (info.end > data_bytes) {
    FailTensor(file, name,
               range + " run past the data section (" + std::to_string(data_bytes) + " bytes)");
  }
  if (info.end - info.begin != bytes) {
    FailTensor(file, name,
               "shape " + ShapeText(info.shape) + " of " + info.dtype_name + " needs " +
                   std::to_string(bytes) + " bytes, " + range + " hold " +
                   std::to_string(info.end - info.begin));
  }
  return info;
}

}  // namespace

std::vector<TensorInfo> ParseSafetensorsHeader(std::string_view file, std::string_view header_json,
                                               uint64_t data_bytes,
                                               std::map<std::string, std::string>* metadata) {
  const json root = ParseJson(file, header_json);
  if (!root.is_object()) Fail(file, "header is not a JSON object");
  std::vector<TensorInfo> tensors;
  std::map<std::string, std::string> meta;
  for (const auto& [name, entry] : root.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) Fail(file, "\"__metadata__\" is not an object");
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) {
          Fail(file, "\"__metadata__\" value " + Quote(key) + " is not a string");
        }
        meta[key] = value.get<std::string>();
      }
      continue;
    }
    tensors.push_back(ParseEntry(file, name, entry, data_bytes));
  }

  // Two tensors sharing bytes would alias each other's weights. Sorted by offset, a tensor
  // overlaps an earlier one exactly when it begins before the furthest end seen so far. Empty
  // tensors occupy no bytes and overlap nothing.
  std::sort(tensors.begin(), tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  const TensorInfo* furthest = nullptr;
  for (const TensorInfo& t : tensors) {
    if (t.begin == t.end) continue;
    if (furthest != nullptr && t.begin < furthest->end) {
      FailTensor(file, t.name,
                 "data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                     "] overlap tensor " + Quote(furthest->name) + " [" +
                     std::to_string(furthest->begin) + ", " + std::to_string(furthest->end) + "]");
    }
    if (furthest == nullptr || t.end > furthest->end) furthest = &t;
  }
  if (metadata != nullptr) *metadata = std::move(meta);
  return tensors;
}

namespace {

// A read-only private mapping of a whole file, unmapped when the last Tensor view goes.
struct Mapping {
  void* address = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (address != nullptr) munmap(address, size);
  }
};

[[noreturn]] void FailErrno(const std::string& path, const std::string& what) {
  throw std::system_error(errno, std::generic_category(), path + ": " + what);
}

}  // namespace

std::shared_ptr<SafetensorsFile> SafetensorsFile::Open(const std::string& path,
                                                       std::string_view what) {
  const io::RegularFile opened = io::RegularFile::Open(path, kMaxSafetensorsFileBytes, what);
  const uint64_t size = opened.size();
  if (size < 8) {
    Fail(path, "file is " + std::to_string(size) +
                   " bytes, shorter than the 8-byte header length of a safetensors file");
  }
  auto mapping = std::make_shared<Mapping>();
  void* address = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, opened.fd(), 0);
  if (address == MAP_FAILED) FailErrno(path, "cannot map " + std::to_string(size) + " bytes");
  mapping->address = address;  // the mapping keeps the file open after `opened` closes it
  mapping->size = size;
  const auto* bytes = static_cast<const unsigned char*>(address);

  // The length is the file's first 8 bytes: quoting it for any file (a text file, a symlink to
  // a secret) would print those bytes as a number, so it is shown only once it is plausible.
  uint64_t header_bytes = 0;
  for (int i = 7; i >= 0; --i) header_bytes = header_bytes << 8 | bytes[i];
  if (header_bytes > size - 8) {
    Fail(path,
         "does not start with a valid safetensors header length (its first 8 bytes, read "
         "as a length, run past the end of the " +
             std::to_string(size) + "-byte file); not a safetensors file?");
  }
  if (header_bytes > kMaxSafetensorsHeaderBytes) {
    Fail(path, "header length " + std::to_string(header_bytes) + " exceeds the limit of " +
                   std::to_string(kMaxSafetensorsHeaderBytes) + " bytes");
  }

  std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  const std::string_view header(reinterpret_cast<const char*>(bytes + 8), header_bytes);
  file->tensors_ = ParseSafetensorsHeader(path, header, size - 8 - header_bytes, &file->metadata_);
  for (size_t i = 0; i < file->tensors_.size(); ++i) {
    file->index_.emplace(file->tensors_[i].name, i);
  }
  file->data_ = bytes + 8 + header_bytes;
  file->mapping_ = std::shared_ptr<const void>(mapping, address);
  return file;
}

const TensorInfo* SafetensorsFile::Find(std::string_view name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

Tensor SafetensorsFile::Get(std::string_view name) const {
  const TensorInfo* info = Find(name);
  if (info == nullptr) FailTensor(path_, name, "not in the file");
  if (!info->supported) {
    FailTensor(path_, name,
               "unsupported dtype " + info->dtype_name + " (the engine reads F32, F16 and BF16)");
  }
  const unsigned char* p = data_ + info->begin;
  // Elements are read as float or uint16_t, which must be aligned to their size. Offsets in
  // the format need not be, so a misaligned tensor is copied instead of viewed.
  if (reinterpret_cast<uintptr_t>(p) % DTypeSize(info->dtype) != 0) {
    Tensor copy = Tensor::Zeros(info->shape, info->dtype);
    std::memcpy(copy.mutable_data(), p, info->end - info->begin);
    return copy;
  }
  return Tensor::View(mapping_, p, info->shape, info->dtype, /*file_backed=*/true);
}

Tensor SafetensorsFile::GetAs(std::string_view name, DType dtype) const {
  return Get(name).To(dtype);
}

void WriteSafetensors(const std::string& path,
                      const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::set<std::string_view> names;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") {
      throw std::invalid_argument(path + ": \"__metadata__\" cannot name a tensor");
    }
    if (!names.insert(name).second) {
      throw std::invalid_argument(path + ": duplicate tensor name " + Quote(name));
    }
    if (t.empty()) throw std::invalid_argument(path + ": tensor " + Quote(name) + " is empty");
  }
  // Largest element first, as the reference writer does: the data section starts 8-aligned and
  // every tensor's size is a multiple of its element size, so each tensor stays aligned.
  std::vector<const std::pair<std::string, Tensor>*> order;
  for (const auto& entry : tensors) order.push_back(&entry);
  std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    return DTypeSize(a->second.dtype()) > DTypeSize(b->second.dtype());
  });

  // ordered_json keeps __metadata__ first and the entries in data order, like the reference.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto* entry : order) {
    const Tensor& t = entry->second;
    header[entry->first] = {{"dtype", std::string(DTypeName(t.dtype()))},
                            {"shape", t.shape()},
                            {"data_offsets", {offset, offset + t.bytes()}}};
    offset += t.bytes();
  }
  std::string text = header.dump();
  text.resize((text.size() + 7) / 8 * 8, ' ');

  // Written beside the target and renamed into place: a crash leaves the old file or none.
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) FailErrno(tmp, "cannot create");
  unsigned char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(text.size() >> (8 * i));
  bool ok = std::fwrite(length, 1, 8, f) == 8 &&
            std::fwrite(text.data(), 1, text.size(), f) == text.size();
  for (const auto* entry : order) {
    const Tensor& t = entry->second;
    if (ok && t.bytes() > 0) ok = std::fwrite(t.data(), 1, t.bytes(), f) == t.bytes();
  }
  int err = ok ? 0 : errno;
  if (std::fclose(f) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    std::remove(tmp.c_str());
    errno = err != 0 ? err : EIO;
    FailErrno(path, "cannot write");
  }
}

}  // namespace depict::tensor
