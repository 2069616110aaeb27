// The few layers the face-api and nsfwjs networks use, on one image at a time in TF.js's layout
// (NHWC, batch 1) and with TF's rules, so that outputs match TF.js to float rounding:
//   - "SAME" padding puts the odd pixel of padding after (bottom/right): a 3x3 stride-2
//     convolution of an even-sized input pads 0 before and 1 after. Max pooling pads with -inf,
//     never with zeros.
//   - bilinear resizing with align_corners false maps output pixel i to input i * in / out (no
//     half-pixel offset: TF.js's default), with align_corners true to i * (in - 1) / (out - 1).
// Convolutions are an im2col (skipped for 1x1 stride 1) followed by oneDNN's f32 sgemm, which
// writes straight into the output map; depthwise convolutions, pooling and resizing are our own
// loops on tensor::ParallelFor.
//
// Maps live in buffers from a small pool: large ones are mmap'ed blocks, kept for reuse up to
// 4 MiB of idle blocks and unmapped beyond, so they never fragment the C heap and what a process
// holds stays close to what its pass needs. The cap trades page faults for RSS (README.md).
#ifndef DEPICT_VISION_NN_H_
#define DEPICT_VISION_NN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "vision/tfjs_weights.h"

namespace depict::vision {

// A feature map of one image: h x w pixels of c channels, channels contiguous ([h*w, c]).
struct Map {
  int h = 0, w = 0, c = 0;
  std::shared_ptr<float> buf;

  static Map Zeros(int h, int w, int c);
  // Copies share the buffer; Clone() makes an independent one.
  Map Clone() const;
  float* data() { return buf.get(); }
  const float* data() const { return buf.get(); }
  int64_t size() const { return static_cast<int64_t>(h) * w * c; }
};

// A buffer of n floats from the pool (contents unspecified), for maps and scratch.
std::shared_ptr<float> PooledBuffer(int64_t n);
// Bytes of idle blocks the pool holds, for tests and benchmarks.
size_t PooledIdleBytes();
// Returns idle pool blocks and the C heap's free pages to the system: after loading models (whose
// file buffers leave the heap with free space) and between images.
void ReleaseUnusedMemory();
// Makes the C heap give freed large blocks back to the system (glibc: fixed 128 KiB mmap and trim
// thresholds instead of its dynamic threshold, which rises to the largest block freed, up to
// 32 MiB, and then keeps blocks that size in the heap). A process-wide choice, made by `depict
// inspect` and the benchmark: it keeps oneDNN's per-call buffers from staying resident (10 MiB
// of peak RSS) for about 5% of SSD's time.
void LimitHeapRetention();

enum class Padding { kSame, kValid };
enum class Activation {
  kNone,
  kRelu,
  kRelu6,
  kLeaky,  // face-api's leaky ReLU, slope 0.1 below zero
};

// TF's padding before/after along one axis for a window of `k` at `stride` over `in` pixels.
struct AxisPads {
  int before = 0, after = 0, out = 0;
};
AxisPads PadsFor(int in, int k, int stride, Padding padding);

// A convolution's weights, prepared once from TF's [kh, kw, cin, cout] filter: stored as
// [cout, kh * kw * cin] (the im2col column order), the sgemm's transposed B.
struct Conv {
  int kh = 0, kw = 0, cin = 0, cout = 0;
  std::vector<float> weight;   // [cout, kh * kw * cin], f32; empty when `codes` is used
  std::vector<uint8_t> codes;  // [cout, kh * kw * cin] uint8 codes, or empty
  std::vector<float> lut;      // the 256 values of the codes
  std::vector<float> bias;     // cout values, or empty

  static Conv FromTf(const std::vector<int64_t>& shape, const std::vector<float>& filter,
                     const std::vector<float>& bias);
  // Keeps a uint8-quantized filter quantized: expanded to f32 into a scratch buffer on each
  // call, a quarter of the memory for one pass over the weights, with the same f32 values.
  static Conv FromWeight(const WeightTensor& filter, const std::vector<float>& bias);
};

// A depthwise convolution (channel multiplier 1) from TF's [kh, kw, c, 1] filter.
struct Depthwise {
  int kh = 0, kw = 0, c = 0;
  std::vector<float> weight;  // [kh, kw, c]
  std::vector<float> bias;    // c values, or empty

  static Depthwise FromTf(const std::vector<int64_t>& shape, const std::vector<float>& filter,
                          const std::vector<float>& bias);
};

// Explicit padding (TF's tf.pad with zeros, or Keras's ZeroPadding2D).
Map Pad(const Map& x, int top, int bottom, int left, int right);

Map Conv2D(const Map& x, const Conv& conv, int stride, Padding padding,
           Activation act = Activation::kNone);
Map DepthwiseConv2D(const Map& x, const Depthwise& dw, int stride, Padding padding,
                    Activation act = Activation::kNone);
// Conv2D(x, pw) (1x1, stride 1) then DepthwiseConv2D(..., dw), computed in bands of output rows,
// so that the pointwise output (often the largest map of a MobileNet) is never held whole.
Map PointwiseThenDepthwise(const Map& x, const Conv& pw, Activation pw_act, const Depthwise& dw,
                           int stride, Padding padding, Activation dw_act);
// Conv2D(x, conv, stride, padding, act) then DepthwiseConv2D(..., dw, dw_stride, dw_padding,
// dw_act), likewise in bands: each band convolves its rows of the (virtually padded) input.
Map ConvThenDepthwise(const Map& x, const Conv& conv, int stride, Padding padding, Activation act,
                      const Depthwise& dw, int dw_stride, Padding dw_padding, Activation dw_act);
// A feature map computed on demand, a band of rows at a time: rows(first, count) gives rows
// [first, first + count) as a map of `count` rows. Chaining sources (each band computed from the
// rows of the previous stage it needs, halo rows recomputed) runs a MobileNet's widest stages
// without holding any of their maps whole. A source refers to the layers it was made from; use
// it while they live.
struct RowSource {
  int h = 0, w = 0, c = 0;
  std::function<Map(int first, int count)> rows;
};
RowSource MapRows(const Map& m);
// The whole map, computed `band_rows` rows at a time.
Map Materialize(const RowSource& source, int band_rows);
// ConvThenDepthwise as a row source.
RowSource ConvThenDepthwiseRows(RowSource in, const Conv& conv, int stride, Padding padding,
                                Activation act, const Depthwise& dw, int dw_stride,
                                Padding dw_padding, Activation dw_act);
// Rows [first, first + count) of x, sharing its buffer (read-only).
Map RowsView(const Map& x, int first, int count);
// A depthwise convolution over x zero-padded by the given rows and columns, without making the
// padded copy (Keras's ZeroPadding2D followed by a 'valid' DepthwiseConv2D).
Map DepthwiseConv2DPadded(const Map& x, const Depthwise& dw, int stride, int top, int bottom,
                          int left, int right, Activation act = Activation::kNone);
Map MaxPool(const Map& x, int k, int stride, Padding padding);
// Average over the window; with kSame the padded pixels are left out of the count (TF).
Map AvgPool(const Map& x, int k, int stride, Padding padding);
Map ResizeBilinear(const Map& x, int out_h, int out_w, bool align_corners);

void Apply(Map& x, Activation act);
void AddInPlace(Map& x, const Map& y);  // same shape
// y[1, n] = x[1, k] w[k, n] + b (TF's [k, n] layout), for the networks' fully connected heads.
std::vector<float> Dense(const std::vector<float>& x, const std::vector<float>& w,
                         const std::vector<float>& b, int k, int n);
// The same with the weights as read from the model: uint8 codes stay codes.
std::vector<float> Dense(const std::vector<float>& x, const WeightTensor& w,
                         const std::vector<float>& b);
std::vector<float> Softmax(const std::vector<float>& x);

}  // namespace depict::vision

#endif  // DEPICT_VISION_NN_H_
