// Copies that change shape: nearest upsampling, concatenation and axis permutation.
#include <algorithm>
#include <cstring>
#include <string>

#include "tensor/engine_internal.h"
#include "tensor/ops.h"
#include "tensor/thread_pool.h"

namespace depict::tensor {

Tensor UpsampleNearest2x(const Tensor& x) {
  if (x.rank() != 4) throw ShapeError("UpsampleNearest2x: x must be [N, C, H, W]");
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  const float* px = internal::In(x);
  Tensor out = Tensor::Zeros({n, c, 2 * h, 2 * w});
  float* po = out.f32();
  ParallelFor(n * c * h, std::max<int64_t>(1, 4096 / std::max<int64_t>(w, 1)),
              [&](int64_t s, int64_t e) {
                for (int64_t row = s; row < e; ++row) {
                  const float* src = px + row * w;
                  float* dst = po + row * 4 * w;  // output rows 2*row and 2*row+1
                  for (int64_t i = 0; i < w; ++i) dst[2 * i] = dst[2 * i + 1] = src[i];
                  std::memcpy(dst + 2 * w, dst, static_cast<size_t>(2 * w) * 4);
                }
              });
  return out;
}

Tensor Concat(const std::vector<Tensor>& parts, int axis) {
  if (parts.empty()) throw ShapeError("Concat: no tensors");
  const Tensor& first = parts[0];
  if (axis < 0) axis += static_cast<int>(first.rank());
  if (axis < 0 || static_cast<size_t>(axis) >= first.rank()) {
    throw ShapeError("Concat: axis out of range for " + ShapeText(first.shape()));
  }
  Shape shape = first.shape();
  shape[static_cast<size_t>(axis)] = 0;
  for (const Tensor& t : parts) {
    internal::RequireData(t);
    bool ok = t.rank() == first.rank() && t.dtype() == first.dtype();
    for (size_t i = 0; ok && i < t.rank(); ++i) {
      ok = i == static_cast<size_t>(axis) || t.dim(i) == first.dim(i);
    }
    if (!ok) {
      throw ShapeError("Concat: " + ShapeText(t.shape()) + " does not match " +
                       ShapeText(first.shape()) + " on the other axes");
    }
    shape[static_cast<size_t>(axis)] += t.dim(static_cast<size_t>(axis));
  }
  Tensor out = Tensor::Zeros(shape, first.dtype());
  int64_t outer = 1;
  for (int i = 0; i < axis; ++i) outer *= shape[static_cast<size_t>(i)];
  const size_t out_row = outer == 0 ? 0 : out.bytes() / static_cast<size_t>(outer);
  auto* po = static_cast<char*>(out.mutable_data());
  std::vector<const char*> sources;
  std::vector<size_t> rows;  // bytes per outer index of each part
  for (const Tensor& t : parts) {
    sources.push_back(static_cast<const char*>(t.data()));
    rows.push_back(outer == 0 ? 0 : t.bytes() / static_cast<size_t>(outer));
  }
  ParallelFor(outer, std::max<int64_t>(1, (1 << 17) / std::max<int64_t>(out_row, 1)),
              [&](int64_t s, int64_t e) {
                for (int64_t i = s; i < e; ++i) {
                  char* dst = po + static_cast<size_t>(i) * out_row;
                  for (size_t p = 0; p < parts.size(); ++p) {
                    if (rows[p] == 0) continue;
                    std::memcpy(dst, sources[p] + static_cast<size_t>(i) * rows[p], rows[p]);
                    dst += rows[p];
                  }
                }
              });
  return out;
}

Tensor Permute(const Tensor& x, const std::vector<int>& perm) {
  const size_t rank = x.rank();
  if (perm.size() != rank || rank > 6) {
    throw ShapeError("Permute: permutation of " + std::to_string(perm.size()) + " axes for " +
                     ShapeText(x.shape()) + " (at most 6 dims)");
  }
  internal::RequireData(x);
  std::vector<bool> seen(rank, false);
  for (int p : perm) {
    if (p < 0 || static_cast<size_t>(p) >= rank || seen[static_cast<size_t>(p)]) {
      throw ShapeError("Permute: not a permutation");
    }
    seen[static_cast<size_t>(p)] = true;
  }
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t i = rank; i-- > 1;) in_strides[i - 1] = in_strides[i] * x.dim(i);
  Shape shape(rank);
  std::vector<int64_t> src_strides(rank);  // input stride of each output axis
  for (size_t i = 0; i < rank; ++i) {
    shape[i] = x.dim(static_cast<size_t>(perm[i]));
    src_strides[i] = in_strides[static_cast<size_t>(perm[i])];
  }
  Tensor out = Tensor::Zeros(shape, x.dtype());
  if (out.numel() == 0 || rank == 0) {
    if (rank == 0) std::memcpy(out.mutable_data(), x.data(), x.bytes());
    return out;
  }
  if (x.dtype() == DType::kF32) {
    // oneDNN's reorder handles any strides with vectorised, threaded kernels.
    using dnnl::memory;
    const memory::desc src_md(internal::Dims(shape), memory::data_type::f32,
                              memory::dims(src_strides.begin(), src_strides.end()));
    std::vector<int64_t> out_strides(rank, 1);
    for (size_t i = rank; i-- > 1;) out_strides[i - 1] = out_strides[i] * shape[i];
    const memory::desc dst_md(internal::Dims(shape), memory::data_type::f32,
                              memory::dims(out_strides.begin(), out_strides.end()));
    dnnl::stream& stream = internal::Stream();
    memory src(src_md, internal::Engine(), const_cast<void*>(x.data()));
    memory dst(dst_md, internal::Engine(), out.mutable_data());
    internal::Reorder(src, dst);
    stream.wait();
    return out;
  }
  // 16-bit values: a plain strided gather, one output row (last axis) at a time.
  const int64_t cols = shape[rank - 1];
  const int64_t rows = out.numel() / cols;
  const auto* src = static_cast<const uint16_t*>(x.data());
  auto* dst = static_cast<uint16_t*>(out.mutable_data());
  ParallelFor(rows, std::max<int64_t>(1, 4096 / cols), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r) {
      int64_t rem = r, offset = 0;
      for (size_t i = rank - 1; i-- > 0;) {
        offset += (rem % shape[i]) * src_strides[i];
        rem /= shape[i];
      }
      const int64_t step = src_strides[rank - 1];
      uint16_t* d = dst + r * cols;
      for (int64_t j = 0; j < cols; ++j) d[j] = src[offset + j * step];
    }
  });
  return out;
}

}  // namespace depict::tensor
