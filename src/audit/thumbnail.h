// Small previews of generated images for the report: at most 96 pixels on the longer side,
// PNG, averaged over each thumbnail pixel's source box (no aliasing on noise).
#ifndef DEPICT_AUDIT_THUMBNAIL_H_
#define DEPICT_AUDIT_THUMBNAIL_H_

#include <cstdint>
#include <string>
#include <vector>

namespace depict::audit {

constexpr int kThumbnailSize = 96;

// PNG bytes of `rgb` (width * height * 3) shrunk to fit kThumbnailSize; "" for an empty image.
std::string Thumbnail(const std::vector<uint8_t>& rgb, int width, int height);

}  // namespace depict::audit

#endif  // DEPICT_AUDIT_THUMBNAIL_H_
