// Reads and writes .safetensors files, the weights format of Stable Diffusion checkpoints.
//
// A file is: 8 bytes N (u64, little-endian), N bytes of UTF-8 JSON (the header), then the data
// section. The header maps each tensor name to
//   {"dtype": "F16", "shape": [320, 4, 3, 3], "data_offsets": [begin, end]}
// where [begin, end) is a byte range of the data section holding the tensor row-major and
// little-endian. An optional "__metadata__" entry is an object of strings (free text).
//
// Files come from the internet, so every field is checked before anything is read: a bad file
// gives a FormatError whose message names the file and, where it applies, the tensor, never a
// crash or a read outside the file. Files are memory-mapped, and Get() hands out zero-copy views
// that keep the mapping alive, so loading a 2 GB checkpoint costs page faults, not copies.
//
// Dtypes: the engine computes in F32, F16 and BF16. Checkpoints also carry small integer
// tensors the engine never needs (the CLIP text encoder's I64 `position_ids`, for one), so a
// file with them still opens: every dtype of the format whose element is whole bytes (BOOL, U8,
// I8, F8_E4M3, F8_E5M2, I16, U16, I32, U32, I64, U64, F64) is validated like any other tensor and
// listed by tensors(), but Get() of such a tensor throws FormatError ("unsupported dtype").
// An unknown dtype string (or a sub-byte one such as F4) makes the whole file invalid.
//
// Stricter than the reference reader: duplicate keys (tensor names or fields) are an error
// (JSON parsers usually keep the last silently), as is nesting deeper than the format needs.
// More lenient: gaps between tensors and unused bytes after the last one are allowed (every
// tensor is still bounds-checked and tensors may not overlap); unknown fields in an entry are
// ignored, for forward compatibility.
#ifndef DEPICT_TENSOR_SAFETENSORS_H_
#define DEPICT_TENSOR_SAFETENSORS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace depict::tensor {

// A file that is not a valid safetensors file, or lacks a tensor asked for. what() starts with
// the file: "unet.safetensors: tensor \"conv_in.weight\": shape [320, 4, 3, 3] of F16 needs ...".
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The header's description of one tensor.
struct TensorInfo {
  std::string name;
  std::string dtype_name;  // as in the file: "F32", "F16", "BF16", "I64", ...
  bool supported = false;  // dtype_name is F32, F16 or BF16, and `dtype` says which
  DType dtype = DType::kF32;
  Shape shape;
  uint64_t begin = 0;  // byte range [begin, end) within the data section
  uint64_t end = 0;
};

// Limits that keep a hostile header from costing memory or time.
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;  // as the reference reader
inline constexpr size_t kMaxSafetensorsRank = 8;
// SDXL checkpoints hold about 2,500 tensors and large LoRAs a few thousand; a header listing
// more is refused before its entries are built (a million one-element entries fit in the header
// limit and would otherwise cost gigabytes).
inline constexpr size_t kMaxSafetensorsTensors = 100'000;
// The largest file Open maps: well above any Stable Diffusion checkpoint (SDXL in F32 is 14 GB).
inline constexpr uint64_t kMaxSafetensorsFileBytes = uint64_t{64} << 30;

// Parses and validates the JSON header of `file` (used only in messages) whose data section is
// `data_bytes` long. Returns the tensors sorted by their offset in the data section, and fills
// `metadata` (when not null) with "__metadata__". Throws FormatError for anything invalid:
// JSON syntax or UTF-8, a header that is not an object, a missing or mistyped field, an unknown
// dtype, a negative, non-integer or overflowing dimension, rank above kMaxSafetensorsRank, more
// than kMaxSafetensorsTensors tensors,
// data_offsets outside the data section or not matching the shape's byte size, overlapping
// tensors, duplicate names, or metadata that is not an object of strings.
std::vector<TensorInfo> ParseSafetensorsHeader(std::string_view file, std::string_view header_json,
                                               uint64_t data_bytes,
                                               std::map<std::string, std::string>* metadata);

// A memory-mapped, validated safetensors file. Immutable after Open, so every method is safe to
// call from several threads at once. Tensors returned by Get() outlive the SafetensorsFile.
class SafetensorsFile {
 public:
  // Maps `path` read-only (MAP_PRIVATE) and validates it: a regular file (opened without
  // blocking, so a FIFO is refused, never waited on) of at most kMaxSafetensorsFileBytes, at
  // least 8 bytes, a header length no longer than the rest of the file nor
  // kMaxSafetensorsHeaderBytes, and a valid header (see ParseSafetensorsHeader). Throws
  // io::FileError when the file cannot be opened or is not a regular file, FormatError for an
  // invalid file and std::system_error when it cannot be mapped. `what` names the kind of file
  // in messages ("checkpoint", "LoRA"). No message quotes the file's bytes, except tensor names
  // and values from a header that parsed as JSON. The file must not be truncated while it is
  // mapped (as with any mmap, reading a page past its new end raises SIGBUS).
  static std::shared_ptr<SafetensorsFile> Open(const std::string& path,
                                               std::string_view what = "safetensors file");

  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  // Sorted by offset in the data section (the order of the bytes in the file).
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // The tensor called `name`, or null.
  const TensorInfo* Find(std::string_view name) const;

  // The tensor called `name` in its own dtype: a zero-copy read-only view into the mapping,
  // which it keeps alive. The format does not align offsets, so when the data is not aligned
  // for its element type (an F32 tensor at an offset that is not a multiple of 4) it is copied
  // into an aligned buffer instead; files written by the reference writer or WriteSafetensors
  // are always aligned. Throws FormatError when there is no such tensor or its dtype is not
  // F32, F16 or BF16.
  Tensor Get(std::string_view name) const;
  // Get(name) converted to `dtype` (the view itself when the dtype already matches).
  Tensor GetAs(std::string_view name, DType dtype) const;

 private:
  SafetensorsFile() = default;

  std::string path_;
  std::shared_ptr<const void> mapping_;  // the whole file; unmapped when the last user goes
  const unsigned char* data_ = nullptr;  // start of the data section, inside the mapping
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> index_;  // name -> position in tensors_
  std::map<std::string, std::string> metadata_;
};

// Writes `tensors` (names unique, not "__metadata__", tensors not empty()) and `metadata` to
// `path` in the layout of the reference writer: the header is padded with spaces to a multiple
// of 8 bytes and the tensors are stored largest dtype first (then in the order given), so every
// tensor's data is aligned for its type. The file is written beside `path` and renamed into
// place, so a reader never sees half a file. Throws std::invalid_argument for bad arguments and
// std::system_error when the file cannot be written.
void WriteSafetensors(const std::string& path,
                      const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace depict::tensor

#endif  // DEPICT_TENSOR_SAFETENSORS_H_
