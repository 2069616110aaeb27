// Compute kernels for Stable Diffusion 1.x/2.x (UNet, VAE, CLIP text encoder) on f32 tensors.
// Activations are F32 and row-major (images NCHW); weights may be F32, F16 or BF16. Every op
// returns a new tensor and throws ShapeError on mismatched shapes or dtypes.
//
// Convolutions and matrix products run on oneDNN 2.6; norms, elementwise ops and copies run on
// our own loops over the pool of thread_pool.h. Threads, precision and the weight cache are set
// in engine.h.
#ifndef DEPICT_TENSOR_OPS_H_
#define DEPICT_TENSOR_OPS_H_

#include <cstdint>
#include <vector>

#include "tensor/engine.h"
#include "tensor/tensor.h"

namespace depict::tensor {

// ---- oneDNN: convolution and matrix products -------------------------------------------------

// y[N,O,Ho,Wo] = conv(x[N,C,H,W], weight[O,C/groups,kh,kw]) + bias[O] (bias may be empty).
// oneDNN picks the weight layout; the reordered weights are cached per weight tensor (engine.h),
// so only the first call with a weight pays for the reorder.
Tensor Conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, int stride = 1,
              int padding = 0, int groups = 1);

// y[..., N] = x[..., K] weight[N, K]^T + bias[N] (bias may be empty; leading dims of x are rows).
// F16/BF16 weights stay compact where converting them per call costs little next to the product
// (many rows); with few rows they are converted once and cached (see ops_matmul.cc).
Tensor Linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// c[B,M,N] = alpha * a[B,M,K] b[B,K,N], or a b^T with b[B,N,K] when transpose_b. F32 only.
Tensor BatchedMatMul(const Tensor& a, const Tensor& b, bool transpose_b = false,
                     float alpha = 1.0f);

// softmax(q k^T * scale) v per batch and head: q[B,H,Tq,D], k[B,H,Tk,D], v[B,H,Tk,D] ->
// [B,H,Tq,D]; scale <= 0 means 1/sqrt(D). `causal` hides keys after each query (CLIP's text
// encoder; query i sees keys 0..i + Tk - Tq). Each thread holds the scores of one block of
// queries of one head (about 512 KiB), never the full [B,H,Tq,Tk] matrix. q k^T and the
// softmax are f32; p v follows ComputeConfig::attention.
Tensor Attention(const Tensor& q, const Tensor& k, const Tensor& v, float scale = 0.0f,
                 bool causal = false);

// ---- Normalisation ---------------------------------------------------------------------------

// Over `groups` groups of channels of x[N,C,...]: (x - mean) / sqrt(var + eps) * gamma[C] +
// beta[C] (biased variance, as torch.nn.GroupNorm).
Tensor GroupNorm(const Tensor& x, int groups, const Tensor& gamma, const Tensor& beta,
                 float eps = 1e-5f);
// SiLU(GroupNorm(...)) in one pass: the pair that opens every UNet and VAE residual block.
Tensor GroupNormSiLU(const Tensor& x, int groups, const Tensor& gamma, const Tensor& beta,
                     float eps = 1e-5f);

// Over the last dimension C of x[..., C], with gamma[C] and beta[C].
Tensor LayerNorm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps = 1e-5f);

// ---- Activations (oneDNN eltwise kernels; InPlace variants reuse the buffer) ------------------

Tensor SiLU(const Tensor& x);       // x * sigmoid(x)
Tensor GELU(const Tensor& x);       // x * Phi(x), exact (erf) form
Tensor QuickGELU(const Tensor& x);  // x * sigmoid(1.702 x), CLIP ViT-L/14's activation
void SiLUInPlace(Tensor& x);
void GELUInPlace(Tensor& x);

// x[..., 2F] -> [..., F]: x[..., :F] * GELU(x[..., F:]), diffusers' GEGLU after its projection.
Tensor GEGLU(const Tensor& x);

// Softmax over the last dimension.
Tensor Softmax(const Tensor& x);

// ---- Elementwise ------------------------------------------------------------------------------

Tensor Add(const Tensor& a, const Tensor& b);  // same shape
Tensor Mul(const Tensor& a, const Tensor& b);  // same shape
Tensor Scale(const Tensor& x, float s);
void AddInPlace(Tensor& a, const Tensor& b);  // a += b, for residual connections
void ScaleInPlace(Tensor& x, float s);

// x[N,C,...] + bias broadcast over the trailing dims: bias[C] (a per-channel bias), or bias[N,C]
// (a UNet residual block's time embedding, one row per batch item).
Tensor AddChannelBias(const Tensor& x, const Tensor& bias);

// ---- Shape ------------------------------------------------------------------------------------

// x[N,C,H,W] -> [N,C,2H,2W], each value repeated in a 2x2 block (torch's mode="nearest").
Tensor UpsampleNearest2x(const Tensor& x);

// Concatenates tensors that agree in all dims but `axis` (the UNet's skip connections use axis 1).
Tensor Concat(const std::vector<Tensor>& parts, int axis);

// out.shape[i] = x.shape[perm[i]], e.g. {0, 2, 1, 3} turns [B,T,H,D] into [B,H,T,D] and back,
// and {0, 2, 1} turns [N,C,HW] into [N,HW,C]. Up to 6 dims, any dtype.
Tensor Permute(const Tensor& x, const std::vector<int>& perm);

}  // namespace depict::tensor

#endif  // DEPICT_TENSOR_OPS_H_
