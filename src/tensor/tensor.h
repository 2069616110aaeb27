// A tensor: a shape, a dtype and a buffer, row-major (the last dimension is contiguous).
// Explicit and small, in the spirit of ggml: no autograd, no broadcasting magic, no strides.
#ifndef DEPICT_TENSOR_TENSOR_H_
#define DEPICT_TENSOR_TENSOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace depict::tensor {

enum class DType : uint8_t { kF32, kF16, kBF16 };

size_t DTypeSize(DType d);
std::string_view DTypeName(DType d);

// Thrown for shape or dtype mismatches: a programming or model-file error, never a crash.
class ShapeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Shape = std::vector<int64_t>;

int64_t NumElements(const Shape& shape);
std::string ShapeText(const Shape& shape);  // "[2, 4, 64, 64]"

class Tensor {
 public:
  Tensor() = default;

  // A new zero-filled tensor that owns its buffer (64-byte aligned).
  static Tensor Zeros(Shape shape, DType dtype = DType::kF32);
  // A tensor over memory owned elsewhere (a mapped file); `owner` keeps that memory alive.
  // `file_backed`: the memory is a read-only mapping of a file, whose pages can be dropped from
  // the process and read again from the file (ReleasePages).
  static Tensor View(std::shared_ptr<const void> owner, const void* data, Shape shape, DType dtype,
                     bool file_backed = false);

  const Shape& shape() const { return shape_; }
  int64_t dim(size_t i) const { return shape_.at(i); }
  size_t rank() const { return shape_.size(); }
  int64_t numel() const { return NumElements(shape_); }
  DType dtype() const { return dtype_; }
  size_t bytes() const { return static_cast<size_t>(numel()) * DTypeSize(dtype_); }
  bool empty() const { return data_ == nullptr; }

  const void* data() const { return data_; }
  // Writable access; only for tensors that own their buffer (throws for views).
  void* mutable_data();

  // Typed access; throws ShapeError if the dtype differs.
  const float* f32() const;
  float* f32();
  const uint16_t* u16() const;  // f16 or bf16 bits

  // Same data, another shape with the same number of elements (shares the buffer).
  Tensor Reshaped(Shape shape) const;
  // A converted copy (or this tensor itself when the dtype already matches).
  Tensor To(DType dtype) const;

  // For a file-backed view: tells the kernel the pages wholly inside it are not needed now
  // (madvise MADV_DONTNEED), so they stop counting against the process until read again, when
  // they come back from the page cache or the file. The engine calls it once it holds a
  // converted copy of a weight. Does nothing for other tensors.
  void ReleasePages() const;

 private:
  std::shared_ptr<const void> owner_;
  const void* data_ = nullptr;
  bool writable_ = false;
  bool file_backed_ = false;
  Shape shape_;
  DType dtype_ = DType::kF32;
};

// IEEE half and bfloat16 conversions (round to nearest even).
float HalfToFloat(uint16_t h);
uint16_t FloatToHalf(float f);
float BFloat16ToFloat(uint16_t b);
uint16_t FloatToBFloat16(float f);

}  // namespace depict::tensor

#endif  // DEPICT_TENSOR_TENSOR_H_
