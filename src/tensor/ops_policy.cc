// What Precision::kAuto means for Conv2d and Linear, decided by measurement on the target machine
// (a 2-core AMD EPYC Zen 4 VM with avx512_core_bf16, oneDNN 2.6.3; best of >= 20 runs of ops
// small enough to dodge preemption on a shared machine):
//
//   matmul, one core    f32 100-117 GFLOP/s   bf16 205-233 GFLOP/s (activations converted per call)
//   matmul, two cores   f32 200-232 GFLOP/s   bf16 420-434 GFLOP/s
//   conv 3x3, one core  f32 107-116 GFLOP/s   bf16 206-232 GFLOP/s (NCHW reorders included)
//   shapes: M 77..512 x K 320..1280 x N 320..3072; conv C 128..1280 at 8x8..32x128
//   attention's p v, one core, 32-64 query rows x 4096 keys, D 40/80:
//                       f32 85-117 GFLOP/s    bf16 140-168 GFLOP/s
//
// bf16 is twice as fast at every measured shape, including CLIP's 77 rows and the UNet's 8x8
// bottleneck (vdpbf16ps does two f32 FMAs' work per lane). Its cost is accuracy: activations
// and weights are rounded to 8 significant bits: the largest error of an op's output is 1.5e-3
// to 4.5e-3 of its scale in ops_test.cc (which bounds it at 1e-2); accumulation, norms, softmax
// and residuals stay f32. Attention uses bf16 only for p v (ops_matmul.cc): a bf16 q k^T is 1.8x
// faster too, but rounding q and k moves large logits enough that a peaked softmax's output was
// 5.5e-2 off (ops_test.cc's BlockedAttentionEqualsNaive) against 2e-3 with bf16 p v alone.
// Without native bf16 (AVX2, or AVX-512 before Cooper Lake / Zen 4) oneDNN emulates bf16 and is
// slower than f32, so kAuto means f32 there. Tests that compare against f32 references set
// Precision::kF32 explicitly.
#include <dnnl.hpp>

#include "tensor/ops_internal.h"

namespace depict::tensor::internal {
namespace {

bool NativeBF16() {
  static const bool native = [] {
    const auto bf16 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
    return (static_cast<unsigned>(dnnl::get_effective_cpu_isa()) & bf16) == bf16;
  }();
  return native;
}

}  // namespace

Precision AutoPrecision() { return NativeBF16() ? Precision::kBF16 : Precision::kF32; }

}  // namespace depict::tensor::internal
