// TF.js model files: weights manifests (a JSON array of groups, each naming its .bin shards and
// its tensors in order) and layers models (model.json: a Keras topology plus such a manifest).
//
// Each group's shards are read as one byte stream; the tensors follow each other in manifest
// order. A tensor is float32 or int32, stored raw (little-endian) or quantized:
//   uint8 / uint16: value = min + q * scale (as TF.js: computed in double, stored as f32)
//   float16:        IEEE half
// Everything is checked against the file sizes before it is read: a short shard, an unknown
// dtype or a negative dimension is a ModelError naming the file, never a read past the end.
// Every file is opened as a regular file of bounded size (a FIFO or /dev/zero is refused, never
// read until memory runs out): see the limits below.
#ifndef DEPICT_VISION_TFJS_WEIGHTS_H_
#define DEPICT_VISION_TFJS_WEIGHTS_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace depict::vision {

// The largest real model files (models/, fetched by scripts/fetch-models.sh) are nsfwjs's
// model.json at 118 KB and SSD MobileNetV1's weights at 5.6 MB; these limits leave 10-30 times
// that. A manifest may name many shards: all of them together stay under the total.
inline constexpr uint64_t kMaxModelJsonBytes = uint64_t{4} << 20;      // model.json, manifests
inline constexpr uint64_t kMaxWeightShardBytes = uint64_t{64} << 20;   // one .bin shard
inline constexpr uint64_t kMaxModelWeightBytes = uint64_t{256} << 20;  // all shards of a model

// A missing, unreadable or malformed model file; what() names it.
class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct WeightTensor {
  std::string name;
  std::vector<int64_t> shape;
  // uint8-quantized tensors (most of face-api's and nsfwjs's weights) keep their codes, a
  // quarter of the memory, with the 256 values they stand for; other tensors keep f32 values.
  std::vector<float> values;   // row-major (TF.js's order); empty when `codes` is used
  std::vector<uint8_t> codes;  // row-major uint8 codes
  std::vector<float> lut;      // 256 entries: float(min + q * scale), as TF.js computes it

  int64_t numel() const;
  bool quantized() const { return !codes.empty(); }
  std::vector<float> Floats() const;  // the values, dequantized when quantized
};

class WeightMap {
 public:
  void Add(WeightTensor tensor);
  bool Has(std::string_view name) const;
  // Throws ModelError when the tensor is absent, or when `shape` is given and differs.
  const WeightTensor& Get(std::string_view name, const std::vector<int64_t>& shape = {}) const;
  const std::vector<std::string>& names() const { return names_; }  // manifest order
  size_t bytes() const;                                             // of the dequantized values
  std::string source;  // the file the weights came from, for messages

 private:
  std::map<std::string, WeightTensor, std::less<>> tensors_;
  std::vector<std::string> names_;
};

// Reads a weights manifest (face-api's *-weights_manifest.json) and its shards beside it.
WeightMap LoadWeightsManifest(const std::filesystem::path& manifest);

struct LayersModel {
  std::string topology_json;  // "modelTopology", serialised
  WeightMap weights;
};
// Reads a layers model.json and the shards its "weightsManifest" names.
LayersModel LoadLayersModel(const std::filesystem::path& model_json);

// The manifest's groups (JSON text of the array) read against shards in `dir`; exposed for tests.
WeightMap ParseWeightsManifest(std::string_view manifest_json, const std::filesystem::path& dir,
                               const std::string& source);

}  // namespace depict::vision

#endif  // DEPICT_VISION_TFJS_WEIGHTS_H_
