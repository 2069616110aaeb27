#include "vision/tfjs_weights.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "io/file.h"
#include "tensor/tensor.h"

namespace depict::vision {
namespace {

using nlohmann::json;

// A regular file of at most `max_bytes` (never a FIFO or device, which would block or never end).
std::string ReadModelFile(const std::filesystem::path& path, uint64_t max_bytes,
                          std::string_view what) {
  try {
    return io::ReadRegularFile(path.string(), max_bytes, what);
  } catch (const io::FileError& e) {
    throw ModelError(e.what());  // names the file and says what was expected
  }
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Bytes one stored element takes, by the stored dtype.
size_t StoredSize(const std::string& dtype) {
  if (dtype == "float32" || dtype == "int32") return 4;
  if (dtype == "uint16" || dtype == "float16") return 2;
  if (dtype == "uint8") return 1;
  return 0;
}

uint32_t LoadU32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

}  // namespace

int64_t WeightTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::vector<float> WeightTensor::Floats() const {
  if (!quantized()) return values;
  std::vector<float> out(codes.size());
  for (size_t i = 0; i < codes.size(); ++i) out[i] = lut[codes[i]];
  return out;
}

void WeightMap::Add(WeightTensor tensor) {
  const std::string name = tensor.name;
  if (tensors_.count(name)) throw ModelError(source + ": tensor '" + name + "' appears twice");
  names_.push_back(name);
  tensors_.emplace(name, std::move(tensor));
}

bool WeightMap::Has(std::string_view name) const { return tensors_.find(name) != tensors_.end(); }

const WeightTensor& WeightMap::Get(std::string_view name, const std::vector<int64_t>& shape) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    throw ModelError(source + ": no tensor '" + std::string(name) + "'");
  }
  if (!shape.empty() && it->second.shape != shape) {
    throw ModelError(source + ": tensor '" + std::string(name) + "' has shape " +
                     ShapeText(it->second.shape) + ", expected " + ShapeText(shape));
  }
  return it->second;
}

size_t WeightMap::bytes() const {
  size_t n = 0;
  for (const auto& [name, t] : tensors_) {
    n += t.values.size() * sizeof(float) + t.codes.size() + t.lut.size() * sizeof(float);
  }
  return n;
}

WeightMap ParseWeightsManifest(std::string_view manifest_json, const std::filesystem::path& dir,
                               const std::string& source) {
  WeightMap map;
  map.source = source;
  json groups;
  try {
    groups = json::parse(manifest_json);
  } catch (const json::exception& e) {
    throw ModelError(source + ": not JSON (" + e.what() + ")");
  }
  if (!groups.is_array()) throw ModelError(source + ": a weights manifest is a JSON array");
  uint64_t total_bytes = 0;  // of every shard read, against kMaxModelWeightBytes
  try {
    for (const json& group : groups) {
      std::string bytes;
      for (const json& p : group.at("paths")) {
        const std::string rel = p.get<std::string>();
        if (rel.find("..") != std::string::npos || rel.empty() || rel[0] == '/') {
          throw ModelError(source + ": shard path '" + rel + "' leaves the model folder");
        }
        const std::string shard = ReadModelFile(dir / rel, kMaxWeightShardBytes, "weights shard");
        total_bytes += shard.size();
        if (total_bytes > kMaxModelWeightBytes) {
          throw ModelError(source + ": its shards hold more than " +
                           std::to_string(kMaxModelWeightBytes) + " bytes, over the limit");
        }
        bytes += shard;
      }
      const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
      size_t offset = 0;
      for (const json& w : group.at("weights")) {
        WeightTensor t;
        t.name = w.at("name").get<std::string>();
        int64_t numel = 1;
        for (const json& d : w.at("shape")) {
          const int64_t v = d.get<int64_t>();
          if (v < 0 || v > (int64_t{1} << 31) || numel > (int64_t{1} << 40) / (v + 1)) {
            throw ModelError(source + ": tensor '" + t.name + "' has a bad shape");
          }
          t.shape.push_back(v);
          numel *= v;
        }
        const std::string dtype = w.at("dtype").get<std::string>();
        if (dtype != "float32" && dtype != "int32") {
          throw ModelError(source + ": tensor '" + t.name + "' has unsupported dtype " + dtype);
        }
        std::string stored = dtype;
        double qmin = 0.0, qscale = 1.0;
        if (w.contains("quantization")) {
          const json& q = w.at("quantization");
          stored = q.at("dtype").get<std::string>();
          if (stored == "uint8" || stored == "uint16") {
            qmin = q.at("min").get<double>();
            qscale = q.at("scale").get<double>();
          } else if (stored != "float16") {
            throw ModelError(source + ": tensor '" + t.name + "' has unsupported quantization " +
                             stored);
          }
        }
        const size_t esize = StoredSize(stored);
        const size_t need = static_cast<size_t>(numel) * esize;
        if (esize == 0 || need > bytes.size() - offset) {
          throw ModelError(source + ": the shards end inside tensor '" + t.name + "'");
        }
        const unsigned char* p = data + offset;
        if (stored == "uint8") {
          t.lut.resize(256);
          for (int q = 0; q < 256; ++q) t.lut[q] = static_cast<float>(qmin + q * qscale);
          t.codes.assign(p, p + numel);
          if (dtype == "int32") {  // integer tensors (SSD's unused shape constants) as values
            t.values = t.Floats();
            t.codes.clear();
            t.lut.clear();
          }
          offset += need;
          map.Add(std::move(t));
          continue;
        }
        t.values.resize(static_cast<size_t>(numel));
        for (int64_t i = 0; i < numel; ++i) {
          float v;
          if (stored == "uint8") {
            v = static_cast<float>(qmin + p[i] * qscale);
          } else if (stored == "uint16") {
            v = static_cast<float>(qmin + (p[2 * i] | p[2 * i + 1] << 8) * qscale);
          } else if (stored == "float16") {
            v = tensor::HalfToFloat(static_cast<uint16_t>(p[2 * i] | p[2 * i + 1] << 8));
          } else if (stored == "int32") {
            v = static_cast<float>(static_cast<int32_t>(LoadU32(p + 4 * i)));
          } else {
            const uint32_t bits = LoadU32(p + 4 * i);
            std::memcpy(&v, &bits, sizeof v);
          }
          t.values[static_cast<size_t>(i)] = v;
        }
        offset += need;
        map.Add(std::move(t));
      }
    }
  } catch (const json::exception& e) {
    throw ModelError(source + ": malformed weights manifest (" + e.what() + ")");
  }
  return map;
}

WeightMap LoadWeightsManifest(const std::filesystem::path& manifest) {
  return ParseWeightsManifest(ReadModelFile(manifest, kMaxModelJsonBytes, "weights manifest"),
                              manifest.parent_path(), manifest.string());
}

LayersModel LoadLayersModel(const std::filesystem::path& model_json) {
  const std::string text = ReadModelFile(model_json, kMaxModelJsonBytes, "model.json");
  json model;
  try {
    model = json::parse(text);
  } catch (const json::exception& e) {
    throw ModelError(model_json.string() + ": not JSON (" + e.what() + ")");
  }
  if (!model.is_object() || !model.contains("modelTopology") ||
      !model.contains("weightsManifest")) {
    throw ModelError(model_json.string() +
                     ": not a TF.js layers model (no modelTopology or weightsManifest)");
  }
  LayersModel out;
  out.topology_json = model["modelTopology"].dump();
  out.weights = ParseWeightsManifest(model["weightsManifest"].dump(), model_json.parent_path(),
                                     model_json.string());
  return out;
}

}  // namespace depict::vision
