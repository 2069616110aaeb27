#include "tensor/tensor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

namespace depict::tensor {
namespace {

uint32_t Bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

float FromBits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

bool IsHalfNan(uint16_t h) { return (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0; }
bool IsBFloat16Nan(uint16_t b) { return (b & 0x7F80) == 0x7F80 && (b & 0x7F) != 0; }

TEST(HalfTest, EveryBitPatternRoundTrips) {
  for (uint32_t i = 0; i <= 0xFFFF; ++i) {
    const uint16_t h = static_cast<uint16_t>(i);
    const float f = HalfToFloat(h);
    if (IsHalfNan(h)) {
      ASSERT_TRUE(std::isnan(f)) << std::hex << h;
      ASSERT_TRUE(IsHalfNan(FloatToHalf(f))) << std::hex << h;
      ASSERT_EQ(FloatToHalf(f) & 0x8000, h & 0x8000) << "NaN keeps its sign " << std::hex << h;
    } else {
      ASSERT_EQ(FloatToHalf(f), h) << std::hex << h << " -> " << f;
    }
  }
}

TEST(HalfTest, DecodesByTheFormula) {
  // Every finite half is (-1)^s * 2^(e-15) * (1 + m/1024), or 2^-14 * m/1024 when e is 0:
  // an independent check of HalfToFloat's bit manipulation.
  for (uint32_t i = 0; i <= 0xFFFF; ++i) {
    const int s = (i >> 15) & 1, e = (i >> 10) & 0x1F, m = i & 0x3FF;
    if (e == 0x1F) continue;
    const double magnitude =
        e == 0 ? std::ldexp(m / 1024.0, -14) : std::ldexp(1.0 + m / 1024.0, e - 15);
    const double expected = s ? -magnitude : magnitude;
    const float got = HalfToFloat(static_cast<uint16_t>(i));
    ASSERT_EQ(static_cast<double>(got), expected) << std::hex << i;
    ASSERT_EQ(std::signbit(got), s == 1) << std::hex << i;
  }
  EXPECT_EQ(HalfToFloat(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(HalfToFloat(0xFC00), -std::numeric_limits<float>::infinity());
}

TEST(HalfTest, KnownValues) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(FloatToHalf(-2.5f), 0xC100);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7BFF);                 // largest finite
  EXPECT_EQ(FloatToHalf(6.103515625e-05f), 0x0400);         // 2^-14, smallest normal
  EXPECT_EQ(FloatToHalf(5.9604644775390625e-08f), 0x0001);  // 2^-24, smallest subnormal
  EXPECT_EQ(FloatToHalf(0.1f), 0x2E66);                     // 0.0999755859375, the nearest half
  EXPECT_EQ(HalfToFloat(0x2E66), 0.0999755859375f);
  EXPECT_EQ(FloatToHalf(0.0f), 0x0000);
  EXPECT_EQ(FloatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(FloatToHalf(-std::numeric_limits<float>::infinity()), 0xFC00);
  EXPECT_TRUE(IsHalfNan(FloatToHalf(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(HalfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(HalfToFloat(0xC100), -2.5f);
  EXPECT_EQ(HalfToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(HalfToFloat(0x0001), 5.9604644775390625e-08f);
}

TEST(HalfTest, OverflowAndUnderflow) {
  EXPECT_EQ(FloatToHalf(65519.0f), 0x7BFF);  // below the midpoint to 65536: stays finite
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7C00);  // the midpoint ties to even: infinity
  EXPECT_EQ(FloatToHalf(-1e6f), 0xFC00);
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::max()), 0x7C00);
  EXPECT_EQ(FloatToHalf(1e-10f), 0x0000);
  EXPECT_EQ(FloatToHalf(-1e-10f), 0x8000);
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::denorm_min()), 0x0000);
}

TEST(HalfTest, TiesRoundToEven) {
  // Between 2048 and 4096 halves are 2 apart.
  EXPECT_EQ(FloatToHalf(2049.0f), 0x6800);    // 2048 (even) rather than 2050
  EXPECT_EQ(FloatToHalf(2051.0f), 0x6802);    // 2052 (even) rather than 2050
  EXPECT_EQ(FloatToHalf(2049.001f), 0x6801);  // just above the tie: up
  EXPECT_EQ(FloatToHalf(-2049.0f), 0xE800);
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10.
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
  EXPECT_EQ(FloatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
  // Subnormals: halfway between multiples of 2^-24.
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -25)), 0x0000);
  EXPECT_EQ(FloatToHalf(std::ldexp(3.0f, -25)), 0x0002);
  EXPECT_EQ(FloatToHalf(std::ldexp(5.0f, -25)), 0x0002);
  // Halfway between the largest subnormal and the smallest normal: the normal is even.
  EXPECT_EQ(FloatToHalf(std::ldexp(2047.0f, -25)), 0x0400);
}

// The correctly rounded half of `f`, found by searching the table of all halves: an oracle that
// shares no code with FloatToHalf.
uint16_t NearestHalf(float f, const std::vector<double>& positive) {
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  const double a = std::fabs(static_cast<double>(f));
  if (std::isnan(f)) return 0x7E00;
  if (a >= 65520.0) return sign | 0x7C00;
  // positive[i] is the value of half bit pattern i (0 to 0x7BFF): increasing with i.
  const size_t hi = std::lower_bound(positive.begin(), positive.end(), a) - positive.begin();
  if (hi < positive.size() && positive[hi] == a) return sign | static_cast<uint16_t>(hi);
  const size_t lo = hi - 1;
  if (hi == positive.size()) return sign | static_cast<uint16_t>(lo);
  const double dlo = a - positive[lo], dhi = positive[hi] - a;
  if (dlo < dhi) return sign | static_cast<uint16_t>(lo);
  if (dhi < dlo) return sign | static_cast<uint16_t>(hi);
  return sign | static_cast<uint16_t>(lo % 2 == 0 ? lo : hi);
}

TEST(HalfTest, MatchesCorrectRoundingAcrossFloats) {
  std::vector<double> positive;
  for (uint32_t h = 0; h <= 0x7BFF; ++h) {
    positive.push_back(HalfToFloat(static_cast<uint16_t>(h)));
  }
  // Every midpoint between neighbouring halves and the floats either side of it: the cases
  // where rounding matters.
  for (size_t i = 0; i + 1 < positive.size(); ++i) {
    const float mid = static_cast<float>((positive[i] + positive[i + 1]) / 2);  // exact
    for (float f : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e9f), -mid}) {
      ASSERT_EQ(FloatToHalf(f), NearestHalf(f, positive)) << f;
    }
  }
  // A sweep of float bit patterns across the whole range.
  for (uint64_t bits = 0; bits <= 0xFFFFFFFFu; bits += 65521) {
    const float f = FromBits(static_cast<uint32_t>(bits));
    if (std::isnan(f)) continue;
    ASSERT_EQ(FloatToHalf(f), NearestHalf(f, positive)) << std::hex << bits;
  }
}

TEST(BFloat16Test, EveryBitPatternRoundTrips) {
  for (uint32_t i = 0; i <= 0xFFFF; ++i) {
    const uint16_t b = static_cast<uint16_t>(i);
    const float f = BFloat16ToFloat(b);
    ASSERT_EQ(Bits(f), i << 16);
    if (IsBFloat16Nan(b)) {
      ASSERT_TRUE(std::isnan(f));
      ASSERT_TRUE(IsBFloat16Nan(FloatToBFloat16(f))) << std::hex << b;
    } else {
      ASSERT_EQ(FloatToBFloat16(f), b) << std::hex << b;
    }
  }
}

TEST(BFloat16Test, RoundsToNearestEven) {
  EXPECT_EQ(FloatToBFloat16(1.0f), 0x3F80);
  EXPECT_EQ(FloatToBFloat16(-2.5f), 0xC020);
  EXPECT_EQ(FloatToBFloat16(3.14159265f), 0x4049);  // 3.140625
  // 1 + 2^-8 is halfway between 1 (0x3F80) and 1 + 2^-7 (0x3F81).
  EXPECT_EQ(FloatToBFloat16(FromBits(0x3F808000)), 0x3F80);
  EXPECT_EQ(FloatToBFloat16(FromBits(0x3F818000)), 0x3F82);  // tie: up to even
  EXPECT_EQ(FloatToBFloat16(FromBits(0x3F808001)), 0x3F81);  // above the tie: up
  EXPECT_EQ(FloatToBFloat16(FromBits(0x3F807FFF)), 0x3F80);  // below it: down
  EXPECT_EQ(FloatToBFloat16(FromBits(0xBF808001)), 0xBF81);
  // The largest float is beyond the largest bfloat16 plus half a step: infinity.
  EXPECT_EQ(FloatToBFloat16(std::numeric_limits<float>::max()), 0x7F80);
  EXPECT_EQ(FloatToBFloat16(FromBits(0x7F7F7FFF)), 0x7F7F);
  EXPECT_EQ(FloatToBFloat16(std::numeric_limits<float>::infinity()), 0x7F80);
  EXPECT_EQ(FloatToBFloat16(-0.0f), 0x8000);
  EXPECT_EQ(FloatToBFloat16(std::numeric_limits<float>::denorm_min()), 0x0000);
  // A NaN whose payload is only in the low 16 bits must not truncate to infinity.
  EXPECT_TRUE(IsBFloat16Nan(FloatToBFloat16(FromBits(0x7F800001))));
  EXPECT_TRUE(IsBFloat16Nan(FloatToBFloat16(FromBits(0xFFFFFFFF))));
  EXPECT_EQ(FloatToBFloat16(FromBits(0xFF800001)) & 0x8000, 0x8000);
}

TEST(ShapeTest, NumElementsAndText) {
  EXPECT_EQ(NumElements({}), 1);
  EXPECT_EQ(NumElements({2, 3, 4}), 24);
  EXPECT_EQ(NumElements({5, 0, 7}), 0);
  EXPECT_THROW(NumElements({2, -1}), ShapeError);
  EXPECT_THROW(NumElements({1ll << 32, 1ll << 32}), ShapeError);
  EXPECT_EQ(ShapeText({2, 4, 64, 64}), "[2, 4, 64, 64]");
  EXPECT_EQ(ShapeText({}), "[]");
  EXPECT_EQ(DTypeSize(DType::kF32), 4u);
  EXPECT_EQ(DTypeSize(DType::kF16), 2u);
  EXPECT_EQ(DTypeSize(DType::kBF16), 2u);
  EXPECT_EQ(DTypeName(DType::kBF16), "BF16");
}

TEST(TensorTest, ZerosOwnsAlignedZeroedMemory) {
  Tensor t = Tensor::Zeros({3, 5});
  EXPECT_EQ(t.rank(), 2u);
  EXPECT_EQ(t.dim(1), 5);
  EXPECT_EQ(t.numel(), 15);
  EXPECT_EQ(t.bytes(), 60u);
  EXPECT_FALSE(t.empty());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data()) % 64, 0u);
  for (int i = 0; i < 15; ++i) EXPECT_EQ(t.f32()[i], 0.0f);
  t.f32()[14] = 2.0f;
  EXPECT_EQ(static_cast<const Tensor&>(t).f32()[14], 2.0f);
  EXPECT_THROW(t.dim(2), std::out_of_range);

  const Tensor h = Tensor::Zeros({4}, DType::kF16);
  EXPECT_EQ(h.bytes(), 8u);
  EXPECT_THROW(h.f32(), ShapeError);
  EXPECT_THROW(t.u16(), ShapeError);
  EXPECT_EQ(Tensor::Zeros({0, 4}).bytes(), 0u);
  EXPECT_THROW(Tensor::Zeros({-1}), ShapeError);
  EXPECT_TRUE(Tensor().empty());
}

TEST(TensorTest, ViewSharesMemoryAndKeepsOwnerAlive) {
  auto buffer = std::make_shared<std::vector<float>>(std::vector<float>{1, 2, 3, 4, 5, 6});
  std::weak_ptr<std::vector<float>> weak = buffer;
  Tensor v = Tensor::View(buffer, buffer->data(), {2, 3}, DType::kF32);
  buffer.reset();
  EXPECT_FALSE(weak.expired());  // the view holds the owner
  EXPECT_EQ(std::as_const(v).f32()[5], 6.0f);
  EXPECT_EQ(v.data(), weak.lock()->data());
  EXPECT_THROW(v.mutable_data(), ShapeError);  // views are read-only
  EXPECT_THROW(v.f32(), ShapeError);           // the writable overload, on a non-const view
  v = Tensor();
  EXPECT_TRUE(weak.expired());
}

TEST(TensorTest, ReshapedSharesTheBuffer) {
  Tensor t = Tensor::Zeros({2, 6});
  t.f32()[7] = 7.0f;
  Tensor r = t.Reshaped({3, 4});
  EXPECT_EQ(r.shape(), (Shape{3, 4}));
  EXPECT_EQ(r.data(), t.data());
  EXPECT_EQ(r.f32()[7], 7.0f);
  r.f32()[0] = 1.0f;  // a reshape of an owned tensor stays writable, same memory
  EXPECT_EQ(t.f32()[0], 1.0f);
  EXPECT_EQ(t.Reshaped({12}).numel(), 12);
  EXPECT_EQ(Tensor::Zeros({1, 1}).Reshaped({}).numel(), 1);  // a scalar has one element
}

TEST(TensorTest, ReshapeToAnotherCountThrows) {
  const Tensor t = Tensor::Zeros({2, 6});
  EXPECT_THROW(t.Reshaped({5}), ShapeError);
  EXPECT_THROW(t.Reshaped({}), ShapeError);  // a scalar has one element
  EXPECT_THROW(t.Reshaped({-2, -6}), ShapeError);
  try {
    t.Reshaped({5});
    FAIL() << "expected a ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "cannot reshape [2, 6] to [5]");
  }
}

TEST(TensorTest, ToConvertsBetweenAllDtypes) {
  const std::vector<float> values = {1.0f, -2.5f, 0.1f, 65504.0f, -0.0f, 3.0e-5f};
  Tensor f = Tensor::Zeros({2, 3});
  for (size_t i = 0; i < values.size(); ++i) f.f32()[i] = values[i];

  const Tensor same = f.To(DType::kF32);
  EXPECT_EQ(same.data(), f.data());  // no copy when the dtype matches

  const Tensor h = f.To(DType::kF16);
  EXPECT_EQ(h.dtype(), DType::kF16);
  EXPECT_EQ(h.shape(), f.shape());
  const Tensor b = f.To(DType::kBF16);
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(h.u16()[i], FloatToHalf(values[i])) << i;
    EXPECT_EQ(b.u16()[i], FloatToBFloat16(values[i])) << i;
  }
  const Tensor back = h.To(DType::kF32);
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(back.f32()[i], HalfToFloat(FloatToHalf(values[i]))) << i;
  }
  // F16 -> BF16 goes through F32.
  const Tensor hb = h.To(DType::kBF16);
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(hb.u16()[i], FloatToBFloat16(HalfToFloat(h.u16()[i]))) << i;
  }
  const Tensor bh = b.To(DType::kF16);
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(bh.u16()[i], FloatToHalf(BFloat16ToFloat(b.u16()[i]))) << i;
  }
  EXPECT_EQ(Tensor::Zeros({0, 3}).To(DType::kF16).numel(), 0);
  EXPECT_THROW(Tensor().To(DType::kF16), ShapeError);  // no buffer: an error, not a crash
  EXPECT_TRUE(Tensor().To(DType::kF32).empty());
}

TEST(TensorTest, ToOfAViewCopiesIntoAnOwnedTensor) {
  auto bits = std::make_shared<std::vector<uint16_t>>(std::vector<uint16_t>{0x3C00, 0xC100});
  const Tensor v = Tensor::View(bits, bits->data(), {2}, DType::kF16);
  Tensor f = v.To(DType::kF32);
  EXPECT_EQ(f.f32()[0], 1.0f);
  EXPECT_EQ(f.f32()[1], -2.5f);
  f.f32()[0] = 3.0f;  // owned, so writable
  EXPECT_EQ((*bits)[0], 0x3C00);
}

}  // namespace
}  // namespace depict::tensor
