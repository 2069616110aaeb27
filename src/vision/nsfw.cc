#include "vision/nsfw.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "tensor/tensor.h"
#include "vision/face_nets.h"
#include "vision/tfjs_weights.h"

namespace depict::vision {
namespace {

using nlohmann::json;

enum class Kind {
  kInput,
  kZeroPad,
  kConv,
  kDepthwise,
  kBatchNorm,
  kRelu,
  kAdd,
  kAvgPool,
  kFlatten,
  kDense,
  kIdentity,
};

Activation ActivationOf(const json& config, const std::string& source) {
  const std::string a = config.value("activation", "linear");
  if (a == "linear") return Activation::kNone;
  if (a == "relu") return Activation::kRelu;
  if (a == "softmax") return Activation::kNone;  // applied by the Dense layer itself
  throw ModelError(source + ": unsupported activation '" + a + "'");
}

}  // namespace

struct NsfwClassifier::Graph {
  struct Layer {
    std::string name;
    Kind kind = Kind::kIdentity;
    std::vector<int> inputs;  // indices of earlier layers
    int last_use = -1;        // index of the last layer reading this one's output
    int stride = 1;
    Padding padding = Padding::kValid;
    int pad[4] = {0, 0, 0, 0};  // top, bottom, left, right
    // A depthwise layer whose input is a ZeroPadding2D read only by it: that padding, applied
    // while convolving (the padding layer then passes its input through, uncopied).
    bool fused_pad = false;
    int in_pad[4] = {0, 0, 0, 0};
    int pool = 1;
    Activation act = Activation::kNone;
    bool softmax = false;
    float relu_max = 0;  // 0: no cap
    Conv conv;
    Depthwise depthwise;
    std::vector<float> scale, shift;  // batch norm as y = x * scale + shift
    WeightTensor dense_w;             // [in, out], uint8 codes kept as such
    std::vector<float> dense_b;
    int dense_in = 0, dense_out = 0;
  };
  std::vector<Layer> layers;
  int size = 224;
};

NsfwClassifier::NsfwClassifier(const std::filesystem::path& dir) : graph_(new Graph) {
  const std::filesystem::path file = RequireModelFile(dir / "model.json");
  const LayersModel model = LoadLayersModel(file);
  const WeightMap& w = model.weights;
  const std::string source = file.string();
  try {
    const json topology = json::parse(model.topology_json);
    const json& layers = topology.at("model_config").at("config").at("layers");
    std::map<std::string, int> index;
    for (const json& l : layers) {
      Graph::Layer layer;
      layer.name = l.at("name").get<std::string>();
      const std::string cls = l.at("class_name").get<std::string>();
      const json& c = l.at("config");
      if (!l.at("inbound_nodes").empty()) {
        for (const json& in : l.at("inbound_nodes").at(0)) {
          const auto it = index.find(in.at(0).get<std::string>());
          if (it == index.end()) throw ModelError(source + ": layer order is not topological");
          layer.inputs.push_back(it->second);
        }
      }
      const auto strides = [&] {
        const int s = c.at("strides").at(0).get<int>();
        if (s != c.at("strides").at(1).get<int>()) throw ModelError(source + ": uneven strides");
        return s;
      };
      const auto padding = [&] {
        return c.at("padding").get<std::string>() == "same" ? Padding::kSame : Padding::kValid;
      };
      const auto bias = [&](const std::string& name) {
        return c.value("use_bias", true) ? w.Get(name + "/bias").Floats() : std::vector<float>{};
      };
      if (cls == "InputLayer") {
        layer.kind = Kind::kInput;
        const json& shape = c.at("batch_input_shape");
        graph_->size = shape.at(1).get<int>();
      } else if (cls == "ZeroPadding2D") {
        layer.kind = Kind::kZeroPad;
        const json& p = c.at("padding");
        layer.pad[0] = p.at(0).at(0).get<int>();
        layer.pad[1] = p.at(0).at(1).get<int>();
        layer.pad[2] = p.at(1).at(0).get<int>();
        layer.pad[3] = p.at(1).at(1).get<int>();
      } else if (cls == "Conv2D") {
        layer.kind = Kind::kConv;
        const WeightTensor& k = w.Get(layer.name + "/kernel");
        layer.conv = Conv::FromWeight(k, bias(layer.name));
        layer.stride = strides();
        layer.padding = padding();
        layer.act = ActivationOf(c, source);
      } else if (cls == "DepthwiseConv2D") {
        layer.kind = Kind::kDepthwise;
        const WeightTensor& k = w.Get(layer.name + "/depthwise_kernel");
        layer.depthwise = Depthwise::FromTf(k.shape, k.Floats(), bias(layer.name));
        layer.stride = strides();
        layer.padding = padding();
        layer.act = ActivationOf(c, source);
      } else if (cls == "BatchNormalization") {
        layer.kind = Kind::kBatchNorm;
        const double eps = c.value("epsilon", 1e-3);
        const std::vector<float> mean = w.Get(layer.name + "/moving_mean").Floats();
        const std::vector<float> var = w.Get(layer.name + "/moving_variance").Floats();
        const std::vector<float> gamma = w.Get(layer.name + "/gamma").Floats();
        const std::vector<float> beta = w.Get(layer.name + "/beta").Floats();
        if (var.size() != mean.size() || gamma.size() != mean.size() ||
            beta.size() != mean.size()) {
          throw ModelError(source + ": batch norm '" + layer.name + "' sizes differ");
        }
        for (size_t i = 0; i < mean.size(); ++i) {
          const float inv = 1.0f / std::sqrt(var[i] + static_cast<float>(eps));
          layer.scale.push_back(inv * gamma[i]);
          layer.shift.push_back(beta[i] - mean[i] * inv * gamma[i]);
        }
      } else if (cls == "ReLU") {
        layer.kind = Kind::kRelu;
        layer.relu_max = c.contains("max_value") && !c.at("max_value").is_null()
                             ? c.at("max_value").get<float>()
                             : 0.0f;
      } else if (cls == "Add") {
        layer.kind = Kind::kAdd;
      } else if (cls == "AveragePooling2D") {
        layer.kind = Kind::kAvgPool;
        layer.pool = c.at("pool_size").at(0).get<int>();
        layer.stride = strides();
        layer.padding = padding();
      } else if (cls == "Flatten") {
        layer.kind = Kind::kFlatten;
      } else if (cls == "Dense") {
        layer.kind = Kind::kDense;
        const WeightTensor& k = w.Get(layer.name + "/kernel");
        if (k.shape.size() != 2) throw ModelError(source + ": dense kernel is not 2-D");
        layer.dense_in = static_cast<int>(k.shape[0]);
        layer.dense_out = static_cast<int>(k.shape[1]);
        layer.dense_w = k;
        layer.dense_b = bias(layer.name);
        layer.softmax = c.value("activation", "linear") == "softmax";
        layer.act = ActivationOf(c, source);
      } else if (cls == "Dropout") {
        layer.kind = Kind::kIdentity;
      } else {
        throw ModelError(source + ": unsupported layer class '" + cls + "'");
      }
      if (layer.kind != Kind::kInput && layer.inputs.empty()) {
        throw ModelError(source + ": layer '" + layer.name + "' has no input");
      }
      const int at = static_cast<int>(graph_->layers.size());
      for (int in : layer.inputs) graph_->layers[in].last_use = at;
      index[layer.name] = at;
      graph_->layers.push_back(std::move(layer));
    }
  } catch (const json::exception& e) {
    throw ModelError(source + ": malformed model topology (" + e.what() + ")");
  }
  std::vector<int> readers(graph_->layers.size(), 0);
  for (const Graph::Layer& l : graph_->layers) {
    for (int in : l.inputs) ++readers[in];
  }
  for (Graph::Layer& l : graph_->layers) {
    if (l.kind != Kind::kDepthwise || l.padding != Padding::kValid || l.inputs.size() != 1) {
      continue;
    }
    Graph::Layer& pad = graph_->layers[l.inputs[0]];
    if (pad.kind != Kind::kZeroPad || readers[l.inputs[0]] != 1) continue;
    l.fused_pad = true;
    std::copy(pad.pad, pad.pad + 4, l.in_pad);
    pad.kind = Kind::kIdentity;
  }
  if (graph_->layers.empty() || graph_->layers.front().kind != Kind::kInput ||
      graph_->layers.back().kind != Kind::kDense || graph_->layers.back().dense_out != 5) {
    throw ModelError(source + ": not a 5-class nsfwjs classifier");
  }
}

NsfwClassifier::~NsfwClassifier() = default;
NsfwClassifier::NsfwClassifier(NsfwClassifier&&) noexcept = default;
NsfwClassifier& NsfwClassifier::operator=(NsfwClassifier&&) noexcept = default;

std::array<float, 5> NsfwClassifier::Classify(const PixelSource& image) const {
  const int size = graph_->size;
  const Map x = ResizeAlignCorners(image, size, size, 1.0f / 255.0f);

  std::vector<Map> outs(graph_->layers.size());
  std::vector<float> vec;  // the output of Flatten and Dense layers
  for (size_t i = 0; i < graph_->layers.size(); ++i) {
    const Graph::Layer& l = graph_->layers[i];
    const int at = static_cast<int>(i);
    // An elementwise layer that is the last reader of its input works in that buffer.
    const auto owned_input = [&]() {
      const Map& in = outs[l.inputs[0]];
      return graph_->layers[l.inputs[0]].last_use == at ? in : in.Clone();
    };
    Map out;
    switch (l.kind) {
      case Kind::kInput:
        out = x;
        break;
      case Kind::kZeroPad:
        out = Pad(outs[l.inputs[0]], l.pad[0], l.pad[1], l.pad[2], l.pad[3]);
        break;
      case Kind::kConv:
        out = Conv2D(outs[l.inputs[0]], l.conv, l.stride, l.padding, l.act);
        break;
      case Kind::kDepthwise:
        out = l.fused_pad
                  ? DepthwiseConv2DPadded(outs[l.inputs[0]], l.depthwise, l.stride, l.in_pad[0],
                                          l.in_pad[1], l.in_pad[2], l.in_pad[3], l.act)
                  : DepthwiseConv2D(outs[l.inputs[0]], l.depthwise, l.stride, l.padding, l.act);
        break;
      case Kind::kBatchNorm: {
        out = owned_input();
        if (static_cast<int>(l.scale.size()) != out.c) {
          throw tensor::ShapeError("nsfw: batch norm '" + l.name + "' channel count differs");
        }
        float* p = out.data();
        const int64_t pixels = static_cast<int64_t>(out.h) * out.w;
        for (int64_t q = 0; q < pixels; ++q) {
          for (int c = 0; c < out.c; ++c)
            p[q * out.c + c] = p[q * out.c + c] * l.scale[c] + l.shift[c];
        }
        break;
      }
      case Kind::kRelu:
        out = owned_input();
        Apply(out, l.relu_max == 6.0f ? Activation::kRelu6 : Activation::kRelu);
        if (l.relu_max != 0.0f && l.relu_max != 6.0f) {
          throw ModelError("nsfw: ReLU max_value other than 6 is not supported");
        }
        break;
      case Kind::kAdd:
        out = owned_input();
        for (size_t k = 1; k < l.inputs.size(); ++k) AddInPlace(out, outs[l.inputs[k]]);
        break;
      case Kind::kAvgPool:
        out = AvgPool(outs[l.inputs[0]], l.pool, l.stride, l.padding);
        break;
      case Kind::kFlatten: {
        const Map& in = outs[l.inputs[0]];
        vec.assign(in.data(), in.data() + in.size());
        break;
      }
      case Kind::kDense: {
        vec = Dense(vec, l.dense_w, l.dense_b);
        if (l.act == Activation::kRelu) {
          for (float& f : vec) f = f > 0.0f ? f : 0.0f;
        }
        if (l.softmax) vec = Softmax(vec);
        break;
      }
      case Kind::kIdentity:
        out = outs[l.inputs[0]];
        break;
    }
    outs[i] = std::move(out);
    // Free what no later layer reads, so only the live activations stay in memory.
    for (int in : l.inputs) {
      if (graph_->layers[in].last_use == at) outs[in] = Map();
    }
  }
  if (vec.size() != 5) throw tensor::ShapeError("nsfw: the classifier did not give 5 classes");
  return {vec[0], vec[1], vec[2], vec[3], vec[4]};
}

}  // namespace depict::vision
