// Reads a model component's weights from a checkpoint, checking each tensor's presence, dtype and
// shape, and reporting problems as that component's error type, naming the file and tensor.
#ifndef DEPICT_DIFFUSION_WEIGHT_READER_H_
#define DEPICT_DIFFUSION_WEIGHT_READER_H_

#include <filesystem>
#include <string>

#include "tensor/safetensors.h"
#include "tensor/tensor.h"

namespace depict::diffusion {

// `Error` is the component's exception (TextEncoderError, UnetError, VaeError); `component`
// names it in messages: "FILE: UNet tensor "NAME" missing from the checkpoint".
template <typename Error>
class WeightReader {
 public:
  WeightReader(const tensor::SafetensorsFile& file, std::string component)
      : file_(file), component_(std::move(component)) {}

  bool Has(const std::string& name) const { return file_.Find(name) != nullptr; }

  // The rank of `name`, or 0 when it is missing.
  size_t Rank(const std::string& name) const {
    const tensor::TensorInfo* info = file_.Find(name);
    return info == nullptr ? 0 : info->shape.size();
  }

  // The tensor `name` of the given rank (and, where `shape` has a dimension >= 0, that size).
  tensor::Tensor Get(const std::string& name, const tensor::Shape& shape) const {
    const tensor::TensorInfo* info = file_.Find(name);
    if (info == nullptr) Fail(name, "missing from the checkpoint");
    if (!info->supported) Fail(name, "has dtype " + info->dtype_name + ", not F32, F16 or BF16");
    bool ok = info->shape.size() == shape.size();
    for (size_t i = 0; ok && i < shape.size(); ++i) {
      if (shape[i] >= 0 && shape[i] != info->shape[i]) ok = false;
    }
    if (!ok) {
      Fail(name, "has shape " + tensor::ShapeText(info->shape) + ", expected " +
                     tensor::ShapeText(shape) + " (-1: any size)");
    }
    return file_.Get(name);
  }

  // A small vector (a norm's gain or bias, a bias), converted to f32 once.
  tensor::Tensor GetF32(const std::string& name, const tensor::Shape& shape) const {
    return Get(name, shape).To(tensor::DType::kF32);
  }

  [[noreturn]] void Fail(const std::string& name, const std::string& what) const {
    throw Error(file_.path() + ": " + component_ + " tensor \"" + name + "\" " + what);
  }

 private:
  const tensor::SafetensorsFile& file_;
  std::string component_;
};

// The weights of one diffusers component: `path` itself when it is a file; for a checkpoint
// folder, its `component`/`file` (unet/diffusion_pytorch_model.safetensors), and for a component
// folder itself, its `file`. Throws Error when the folder has neither.
template <typename Error>
std::filesystem::path ComponentFile(const std::filesystem::path& path, const std::string& component,
                                    const std::string& file) {
  if (!std::filesystem::is_directory(path)) return path;
  for (const std::filesystem::path& candidate : {path / component / file, path / file}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  throw Error(path.string() + ": a folder without " + component + "/" + file + " or " + file);
}

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_WEIGHT_READER_H_
