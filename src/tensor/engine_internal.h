// Internal to src/tensor: the oneDNN engine and stream, per-thread scratch memory, the caches of
// primitives and prepared weights, and dtype conversions. Not for callers outside the ops.
#ifndef DEPICT_TENSOR_ENGINE_INTERNAL_H_
#define DEPICT_TENSOR_ENGINE_INTERNAL_H_

#include <dnnl.hpp>
#include <functional>
#include <memory>
#include <string>

#include "tensor/engine.h"
#include "tensor/tensor.h"

namespace depict::tensor::internal {

dnnl::engine& Engine();
// Re-applies the OpenMP thread count on the calling thread if it differs from what this thread
// last applied (OpenMP keeps it per thread). Stream() and Cached() call it: primitives must be
// created and run under the same count.
void ApplyThreads();
// The thread count oneDNN primitives get on this thread: NumThreads(), or 1 inside SingleThreaded.
int EffectiveThreads();

// While alive, primitives created and run on this thread use one thread: for ops that split
// their work over our pool themselves (Attention runs one query block per pool thread).
class SingleThreaded {
 public:
  SingleThreaded();
  ~SingleThreaded();
  SingleThreaded(const SingleThreaded&) = delete;
  SingleThreaded& operator=(const SingleThreaded&) = delete;

 private:
  int saved_;
};
// A stream per calling thread (after ApplyThreads()).
dnnl::stream& Stream();

// Per-thread scratch buffers (64-byte aligned) that grow and are reused across calls: slot i is a
// separate buffer, so an op may hold several at once. Contents are unspecified.
constexpr int kScratchSlots = 8;
void* Scratch(int slot, size_t bytes);

// Every primitive we create uses a user-managed scratchpad (this thread's scratch slot
// kScratchpadSlot), so primitives can run concurrently from several threads: oneDNN's own
// scratchpad is shared unless it was built with DNNL_ENABLE_CONCURRENT_EXEC.
constexpr int kScratchpadSlot = kScratchSlots - 1;
dnnl::primitive_attr Attr();
// The DNNL_ARG_SCRATCHPAD argument for a primitive made with Attr().
dnnl::memory ScratchpadFor(const dnnl::primitive_desc_base& pd);
// Runs a reorder (made with Attr()) from src to dst on Stream(); does not wait.
void Reorder(const dnnl::reorder& r, const dnnl::memory& src, const dnnl::memory& dst);
// Makes and runs a reorder from src to dst on Stream(); does not wait.
void Reorder(const dnnl::memory& src, const dnnl::memory& dst);

// Primitives and their descriptors, cached by a key that the caller builds from everything that
// determines them (shapes, parameters, precision); EffectiveThreads() is added here, because
// oneDNN sizes its work split at creation.
std::shared_ptr<void> CachedObject(const std::string& key,
                                   const std::function<std::shared_ptr<void>()>& make);
template <class T>
std::shared_ptr<T> Cached(const std::string& key, const std::function<std::shared_ptr<T>()>& make) {
  return std::static_pointer_cast<T>(CachedObject(key, [&] { return make(); }));
}

// Weights reordered into oneDNN memory of descriptor `desc` (the layout and dtype a primitive
// asked for), made from `weight` once and then cached (engine.h). `dims` and `plain` say how to
// read the source buffer (for Linear's [N, K] weight: {K, N} and format_tag::ba). F16 sources are
// converted to f32 by our own code first: oneDNN 2.6's f16 reorder is its reference loop (about
// 30 ns per value here) on CPUs without avx512_fp16.
dnnl::memory PreparedWeights(const Tensor& weight, const dnnl::memory::dims& dims,
                             dnnl::memory::format_tag plain, const dnnl::memory::desc& desc);

// An op's f32 input or in-place operand; throws ShapeError for a default-constructed tensor
// (which has no buffer, yet reports one element) or another dtype.
const float* In(const Tensor& t);
float* InOut(Tensor& t);
// Throws ShapeError for a default-constructed tensor.
void RequireData(const Tensor& t);

// Converts all values of a tensor of any dtype to f32 or to bf16 (round to nearest even), in
// parallel for large tensors.
void ConvertToF32(const Tensor& t, float* dst);
void ConvertToBF16(const Tensor& t, uint16_t* dst);
// The tensor's data as f32: the tensor's own buffer when it is F32, else a converted copy in
// `holder`.
const float* AsF32(const Tensor& t, Tensor& holder);

// A float's exact bits as text, for cache keys (std::to_string rounds to 6 decimals).
std::string Key(float f);

dnnl::memory::dims Dims(const Shape& shape);

}  // namespace depict::tensor::internal

#endif  // DEPICT_TENSOR_ENGINE_INTERNAL_H_
