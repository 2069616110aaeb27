#include "audit/thumbnail.h"

#include <gtest/gtest.h>

#include "vision/image.h"

namespace depict::audit {
namespace {

vision::Image Decode(const std::string& png) {
  return vision::DecodeImage(reinterpret_cast<const uint8_t*>(png.data()), png.size());
}

TEST(ThumbnailTest, FitsTheLongerSideAndAveragesEachBox) {
  // 192x96: left half black, right half white; the 96x48 thumbnail keeps the halves, and a
  // column straddling nothing stays pure.
  std::vector<uint8_t> rgb(192 * 96 * 3);
  for (int y = 0; y < 96; ++y) {
    for (int x = 96; x < 192; ++x) {
      for (int c = 0; c < 3; ++c) rgb[(y * 192 + x) * 3 + c] = 255;
    }
  }
  const vision::Image t = Decode(Thumbnail(rgb, 192, 96));
  EXPECT_EQ(t.width, kThumbnailSize);
  EXPECT_EQ(t.height, kThumbnailSize / 2);
  EXPECT_EQ(t.rgb[0], 0);
  EXPECT_EQ(t.rgb[(t.width - 1) * 3], 255);
  // A 2x2 checker shrunk to 1x1 would be its mean; a small image is kept as it is.
  const vision::Image small = Decode(Thumbnail(std::vector<uint8_t>(4 * 4 * 3, 77), 4, 4));
  EXPECT_EQ(small.width, 4);
  EXPECT_EQ(small.rgb[5], 77);
  // 200x200 alternating rows of 0 and 200: every thumbnail pixel averages both.
  std::vector<uint8_t> rows(200 * 200 * 3);
  for (int y = 1; y < 200; y += 2) {
    for (int x = 0; x < 200 * 3; ++x) rows[y * 200 * 3 + x] = 200;
  }
  const vision::Image mixed = Decode(Thumbnail(rows, 200, 200));
  EXPECT_EQ(mixed.width, kThumbnailSize);
  EXPECT_NEAR(mixed.rgb[3 * 10], 100, 1);
  EXPECT_EQ(Thumbnail({}, 0, 0), "");
}

}  // namespace
}  // namespace depict::audit
