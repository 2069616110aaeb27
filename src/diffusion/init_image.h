// img2img's init image, from 8-bit RGB to what the VAE encoder takes, as A1111 prepares it
// (modules/processing.py, StableDiffusionProcessingImg2Img.init, with resize mode 0, "Just
// resize", and no upscaler for img2img, both A1111's defaults):
//
//   image = image.resize((width, height), resample=LANCZOS)     Pillow, 8-bit, when the size
//                                                               differs (the aspect ratio is not
//                                                               kept: "just resize")
//   x = np.array(image).astype(np.float32) / 255.0              HWC -> CHW
//   x = x * 2 - 1                                               (images_tensor_to_samples)
//
// ResizeLanczos is Pillow's resampling (libImaging/Resample.c) done the same way: a separable
// Lanczos-3 filter widened by the scale when shrinking, coefficients normalised per output pixel
// and rounded to fixed point (22 fractional bits), a horizontal pass then a vertical one, each
// rounded and clipped to 8 bits; tests/diffusion/img2img_test.cc checks it against Pillow 9.4
// (Debian 12's), byte for byte.
//
// Not matched: A1111 first flattens an image with an alpha channel onto its
// "img2img_background_color" (white); the image readers here drop alpha and keep the colours as
// stored.
#ifndef DEPICT_DIFFUSION_INIT_IMAGE_H_
#define DEPICT_DIFFUSION_INIT_IMAGE_H_

#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace depict::diffusion {

struct InitImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // height rows of width RGB triples
};

// Throws std::invalid_argument for a non-positive size or pixels of the wrong count.
void CheckInitImage(const InitImage& image);

// Pillow's Image.resize((width, height), Image.LANCZOS) of an RGB image (the image itself when
// the size is the same). Throws std::invalid_argument for bad sizes.
InitImage ResizeLanczos(const InitImage& image, int width, int height);

// [1, 3, height, width] f32 in [-1, 1]: the image resized to width x height, then
// float(v) / 255 * 2 - 1 for each 8-bit value v.
tensor::Tensor InitImageTensor(const InitImage& image, int width, int height);

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_INIT_IMAGE_H_
