#include "tensor/tensor.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace depict::tensor {

size_t DTypeSize(DType d) { return d == DType::kF32 ? 4 : 2; }

std::string_view DTypeName(DType d) {
  switch (d) {
    case DType::kF32:
      return "F32";
    case DType::kF16:
      return "F16";
    case DType::kBF16:
      return "BF16";
  }
  return "?";
}

int64_t NumElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw ShapeError("negative dimension in " + ShapeText(shape));
    if (d != 0 && n > INT64_MAX / d) throw ShapeError("shape too large: " + ShapeText(shape));
    n *= d;
  }
  return n;
}

std::string ShapeText(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Tensor Tensor::Zeros(Shape shape, DType dtype) {
  Tensor t;
  t.shape_ = std::move(shape);
  t.dtype_ = dtype;
  const size_t bytes = t.bytes();
  const size_t rounded = (bytes + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, rounded == 0 ? 64 : rounded);
  t.owner_ = std::shared_ptr<const void>(p, [](const void* q) { std::free(const_cast<void*>(q)); });
  t.data_ = p;
  t.writable_ = true;
  return t;
}

Tensor Tensor::View(std::shared_ptr<const void> owner, const void* data, Shape shape, DType dtype,
                    bool file_backed) {
  Tensor t;
  t.owner_ = std::move(owner);
  t.data_ = data;
  t.shape_ = std::move(shape);
  t.dtype_ = dtype;
  t.writable_ = false;
  t.file_backed_ = file_backed;
  return t;
}

void Tensor::ReleasePages() const {
  if (!file_backed_ || data_ == nullptr) return;
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data_) + page - 1) / page * page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data_) + bytes()) / page * page;
  // Only pages wholly inside this tensor: a neighbour still in use keeps its pages.
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

void* Tensor::mutable_data() {
  if (!writable_) throw ShapeError("tensor is a read-only view");
  return const_cast<void*>(data_);
}

const float* Tensor::f32() const {
  if (dtype_ != DType::kF32) {
    throw ShapeError("expected F32, tensor is " + std::string(DTypeName(dtype_)));
  }
  return static_cast<const float*>(data_);
}

float* Tensor::f32() {
  if (dtype_ != DType::kF32) {
    throw ShapeError("expected F32, tensor is " + std::string(DTypeName(dtype_)));
  }
  return static_cast<float*>(mutable_data());
}

const uint16_t* Tensor::u16() const {
  if (dtype_ == DType::kF32) throw ShapeError("expected F16 or BF16, tensor is F32");
  return static_cast<const uint16_t*>(data_);
}

Tensor Tensor::Reshaped(Shape shape) const {
  if (NumElements(shape) != numel()) {
    throw ShapeError("cannot reshape " + ShapeText(shape_) + " to " + ShapeText(shape));
  }
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::To(DType dtype) const {
  if (dtype == dtype_) return *this;
  // A default-constructed tensor has no buffer (yet numel() is 1, as for a scalar).
  if (empty()) throw ShapeError("cannot convert an empty tensor");
  Tensor out = Zeros(shape_, dtype);
  const int64_t n = numel();
  if (dtype == DType::kF32) {
    float* dst = out.f32();
    const uint16_t* src = u16();
    if (dtype_ == DType::kF16) {
      for (int64_t i = 0; i < n; ++i) dst[i] = HalfToFloat(src[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) dst[i] = BFloat16ToFloat(src[i]);
    }
    return out;
  }
  const Tensor f = To(DType::kF32);
  const float* src = f.f32();
  uint16_t* dst = static_cast<uint16_t*>(out.mutable_data());
  for (int64_t i = 0; i < n; ++i) {
    dst[i] = dtype == DType::kF16 ? FloatToHalf(src[i]) : FloatToBFloat16(src[i]);
  }
  return out;
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1F;
  uint32_t mant = h & 0x3FF;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3FF;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);  // inf or nan
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  const uint32_t abs = x & 0x7FFFFFFF;
  if (abs >= 0x7F800000) return sign | (abs > 0x7F800000 ? 0x7E00 : 0x7C00);  // nan / inf
  if (abs >= 0x477FF000) return sign | 0x7C00;                                // rounds to inf
  if (abs < 0x38800000) {  // below 2^-14: a half subnormal (or zero), in units of 2^-24
    float a;
    std::memcpy(&a, &abs, 4);
    return sign | static_cast<uint16_t>(std::nearbyint(a * 16777216.0f));  // ties to even
  }
  uint32_t v = ((abs >> 13) - (112u << 10));
  const uint32_t rem = abs & 0x1FFF;
  if (rem > 0x1000 || (rem == 0x1000 && (v & 1))) ++v;
  return sign | static_cast<uint16_t>(v);
}

float BFloat16ToFloat(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t FloatToBFloat16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7FFFFFFF) > 0x7F800000) return static_cast<uint16_t>((x >> 16) | 0x40);  // nan
  const uint32_t rounding = 0x7FFF + ((x >> 16) & 1);
  return static_cast<uint16_t>((x + rounding) >> 16);
}

}  // namespace depict::tensor
