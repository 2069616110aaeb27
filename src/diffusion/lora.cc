#include "diffusion/lora.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "tensor/ops.h"
#include "tensor/safetensors.h"

namespace depict::diffusion {
namespace {

using tensor::DType;
using tensor::Shape;
using tensor::ShapeText;
using tensor::Tensor;

std::string Canonical(std::string_view dotted) {
  std::string key(dotted);
  while (!key.empty() && key.back() == '.') key.pop_back();
  std::replace(key.begin(), key.end(), '.', '_');
  return key;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

enum class Part : uint8_t { kDown, kUp, kAlpha };

struct ParsedName {
  LoraComponent component;
  std::string key;
  Part part;
};

// A tensor name in one of the formats of lora.h, or nothing for a tensor depict does not use.
std::optional<ParsedName> ParseName(std::string_view name) {
  if (StartsWith(name, "base_model.model.")) name.remove_prefix(17);
  ParsedName out{LoraComponent::kUnet, "", Part::kDown};
  // kohya: the module path is already joined with '_'.
  for (const auto& [prefix, component] :
       {std::pair<std::string_view, LoraComponent>{"lora_unet_", LoraComponent::kUnet},
        {"lora_te_", LoraComponent::kTextEncoder}}) {
    if (!StartsWith(name, prefix)) continue;
    const std::string_view rest = name.substr(prefix.size());
    const size_t dot = rest.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    const std::string_view suffix = rest.substr(dot);
    if (suffix == ".lora_down.weight") {
      out.part = Part::kDown;
    } else if (suffix == ".lora_up.weight") {
      out.part = Part::kUp;
    } else if (suffix == ".alpha") {
      out.part = Part::kAlpha;
    } else {
      return std::nullopt;
    }
    out.component = component;
    out.key = std::string(rest.substr(0, dot));
    return out;
  }
  // diffusers / PEFT: dotted module paths under unet. or text_encoder.
  std::string_view rest;
  if (StartsWith(name, "unet.")) {
    out.component = LoraComponent::kUnet;
    rest = name.substr(5);
  } else if (StartsWith(name, "text_encoder.")) {
    out.component = LoraComponent::kTextEncoder;
    rest = name.substr(13);
  } else {
    return std::nullopt;
  }
  static const std::pair<std::string_view, Part> kSuffixes[] = {
      {".lora_A.weight", Part::kDown},
      {".lora_B.weight", Part::kUp},
      {".lora.down.weight", Part::kDown},
      {".lora.up.weight", Part::kUp},
      {".lora_down.weight", Part::kDown},
      {".lora_up.weight", Part::kUp},
      {".lora_linear_layer.down.weight", Part::kDown},
      {".lora_linear_layer.up.weight", Part::kUp},
      {".alpha", Part::kAlpha},
  };
  for (const auto& [suffix, part] : kSuffixes) {
    if (!EndsWith(rest, suffix)) continue;
    std::string module(rest.substr(0, rest.size() - suffix.size()));
    // diffusers' older attention processors: attn1.processor.to_q_lora -> attn1.to_q.
    const size_t proc = module.find(".processor.");
    if (proc != std::string::npos) {
      std::string proj = module.substr(proc + 11);
      if (!EndsWith(proj, "_lora")) return std::nullopt;
      proj.resize(proj.size() - 5);
      if (proj == "to_out") proj = "to_out.0";
      module = module.substr(0, proc + 1) + proj;
    }
    out.part = part;
    out.key = Canonical(module);
    return out;
  }
  return std::nullopt;
}

}  // namespace

std::shared_ptr<const LoraFile> LoraFile::Load(const std::filesystem::path& path) {
  const auto file = tensor::SafetensorsFile::Open(path.string(), "LoRA");
  struct Halves {
    LoraComponent component;
    std::string down_name, up_name, alpha_name;
  };
  std::map<std::pair<LoraComponent, std::string>, Halves> found;
  auto lora = std::make_shared<LoraFile>();
  lora->path_ = path;
  for (const tensor::TensorInfo& info : file->tensors()) {
    const std::optional<ParsedName> parsed = ParseName(info.name);
    if (!parsed) {
      ++lora->ignored_;
      continue;
    }
    Halves& h = found[{parsed->component, parsed->key}];
    h.component = parsed->component;
    std::string& slot = parsed->part == Part::kDown ? h.down_name
                        : parsed->part == Part::kUp ? h.up_name
                                                    : h.alpha_name;
    if (!slot.empty()) {
      throw LoraError(path.string() + ": tensors \"" + slot + "\" and \"" + info.name +
                      "\" are the same part of one module");
    }
    slot = info.name;
  }
  const auto fail = [&](const std::string& tensor_name, const std::string& what) {
    throw LoraError(path.string() + ": LoRA tensor \"" + tensor_name + "\" " + what);
  };
  for (auto& [id, h] : found) {
    if (h.down_name.empty() || h.up_name.empty()) {
      fail(h.down_name.empty() ? h.up_name.empty() ? h.alpha_name : h.up_name : h.down_name,
           "has no " + std::string(h.down_name.empty() ? "down (A)" : "up (B)") + " half");
    }
    LoraModule m;
    m.component = h.component;
    m.key = id.second;
    m.down = file->GetAs(h.down_name, DType::kF32);
    m.up = file->GetAs(h.up_name, DType::kF32);
    const Shape& d = m.down.shape();
    const Shape& u = m.up.shape();
    if ((d.size() != 2 && d.size() != 4) || d[0] <= 0) {
      fail(h.down_name, "has shape " + ShapeText(d) + ", not [rank, in] or [rank, in, kh, kw]");
    }
    const bool up_ok =
        (u.size() == 2 || (u.size() == 4 && u[2] == 1 && u[3] == 1)) && u[1] == d[0] && u[0] > 0;
    if (!up_ok) {
      fail(h.up_name, "has shape " + ShapeText(u) + ", not [out, " + std::to_string(d[0]) +
                          "] or [out, " + std::to_string(d[0]) + ", 1, 1]");
    }
    if (!h.alpha_name.empty()) {
      const Tensor alpha = file->GetAs(h.alpha_name, DType::kF32);
      if (alpha.numel() != 1) fail(h.alpha_name, "is not a single number");
      const float a = alpha.f32()[0];
      if (!std::isfinite(a)) fail(h.alpha_name, "is not finite");
      m.alpha_scale = a / static_cast<float>(d[0]);
    }
    lora->modules_.push_back(std::move(m));
  }
  if (lora->modules_.empty()) {
    throw LoraError(path.string() +
                    ": no LoRA modules (kohya lora_unet_* / lora_te_* or "
                    "diffusers unet.* / text_encoder.* lora tensors)");
  }
  return lora;
}

int LoraTargets::Add(std::string diffusers_prefix, Shape weight_shape, int stride, int padding) {
  const int id = static_cast<int>(targets_.size());
  std::string key = Canonical(diffusers_prefix);
  index_.emplace(key, id);
  targets_.push_back({std::move(key), std::move(weight_shape), stride, padding});
  return id;
}

int LoraTargets::Find(const std::string& key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? -1 : it->second;
}

void LoraLayers::Add(int layer, size_t layer_count, Term term) {
  if (by_layer_.size() < layer_count) by_layer_.resize(layer_count);
  by_layer_.at(static_cast<size_t>(layer)).push_back(std::move(term));
  ++count_;
}

LoraLayers LoraLayers::ForBatch(const std::vector<const LoraLayers*>& per_item) {
  LoraLayers out;
  const size_t items = per_item.size();
  for (size_t item = 0; item < items; ++item) {
    const LoraLayers* set = per_item[item];
    if (set == nullptr) continue;
    for (size_t layer = 0; layer < set->by_layer_.size(); ++layer) {
      for (const Term& term : set->by_layer_[layer]) {
        if (out.by_layer_.size() < set->by_layer_.size()) {
          out.by_layer_.resize(set->by_layer_.size());
        }
        std::vector<Term>& terms = out.by_layer_[layer];
        // The same adapter tensors at the same scale (one file, one weight): one term.
        // (An item naming one adapter twice keeps both terms, as it would alone.)
        auto same = std::find_if(terms.begin(), terms.end(), [&term, item](const Term& t) {
          return t.down.data() == term.down.data() && t.up.data() == term.up.data() &&
                 t.scale == term.scale && t.items[item] == 0.0f;
        });
        if (same == terms.end()) {
          Term copy = term;
          copy.items.assign(items, 0.0f);
          terms.push_back(std::move(copy));
          ++out.count_;
          same = terms.end() - 1;
        }
        same->items[item] = term.items.empty() ? 1.0f : term.items[0];
      }
    }
  }
  // A term every item uses needs no per-item multipliers.
  for (auto& terms : out.by_layer_) {
    for (Term& t : terms) {
      if (std::all_of(t.items.begin(), t.items.end(), [](float v) { return v == 1.0f; })) {
        t.items.clear();
      }
    }
  }
  return out;
}

void BindLora(const std::shared_ptr<const LoraFile>& file, float text_encoder_multiplier,
              float unet_multiplier, const LoraTargets& unet_targets,
              const LoraTargets& text_encoder_targets, LoraSet& set) {
  int bound = 0;
  for (const LoraModule& m : file->modules()) {
    const bool unet = m.component == LoraComponent::kUnet;
    const LoraTargets& targets = unet ? unet_targets : text_encoder_targets;
    const int id = targets.Find(m.key);
    if (id < 0) continue;
    const LoraTarget& t = targets.all()[id];
    const Shape& w = t.weight_shape;
    const Shape& d = m.down.shape();
    const int64_t rank = d[0];
    const auto misfit = [&]() {
      throw LoraError(file->path().string() + ": LoRA module \"" + m.key + "\" (down " +
                      ShapeText(d) + ", up " + ShapeText(m.up.shape()) +
                      ") does not fit the model's layer of weight " + ShapeText(w));
    };
    if (m.up.dim(0) != w[0]) misfit();
    LoraLayers::Term term;
    term.scale = (unet ? unet_multiplier : text_encoder_multiplier) * m.alpha_scale;
    if (w.size() == 2) {
      // Linear: down [r, in] (or [r, in, 1, 1]), up [out, r].
      if (d[1] != w[1] || (d.size() == 4 && (d[2] != 1 || d[3] != 1))) misfit();
      term.down = m.down.Reshaped({rank, w[1]});
      term.up = m.up.Reshaped({w[0], rank});
    } else {
      // Conv2d [out, in, kh, kw]: down [r, in, kh, kw] (or [r, in] for a 1x1 kernel).
      const bool one_by_one = w[2] == 1 && w[3] == 1;
      if (d[1] != w[1]) misfit();
      if (d.size() == 2 ? !one_by_one : (d[2] != w[2] || d[3] != w[3])) misfit();
      term.down = m.down.Reshaped({rank, w[1], w[2], w[3]});
      term.up = m.up.Reshaped({w[0], rank, 1, 1});
    }
    if (term.scale == 0.0f) continue;
    (unet ? set.unet : set.text_encoder).Add(id, targets.all().size(), std::move(term));
    ++bound;
  }
  if (bound == 0) {
    bool any_match = false;
    for (const LoraModule& m : file->modules()) {
      const LoraTargets& targets =
          m.component == LoraComponent::kUnet ? unet_targets : text_encoder_targets;
      any_match = any_match || targets.Find(m.key) >= 0;
    }
    if (!any_match) {
      throw LoraError(file->path().string() + ": none of its " +
                      std::to_string(file->modules().size()) +
                      " modules matches a layer of this model (first: \"" +
                      file->modules().front().key + "\"); a LoRA for another architecture?");
    }
  }
  set.files.push_back(file);
}

namespace {

// The low-rank activations times the term's scale, item by item when it has per-item
// multipliers (the batch is the outermost dimension, so each item's rows are contiguous).
void ScaleLow(Tensor& low, const LoraLayers::Term& t) {
  if (t.items.empty()) {
    tensor::ScaleInPlace(low, t.scale);
    return;
  }
  const auto items = static_cast<int64_t>(t.items.size());
  if (low.numel() % items != 0) {
    throw tensor::ShapeError("LoRA: a batch of " + std::to_string(items) +
                             " items does not divide " + std::to_string(low.numel()) + " values");
  }
  const int64_t chunk = low.numel() / items;
  float* v = low.f32();
  for (int64_t b = 0; b < items; ++b) {
    const float m = t.scale * t.items[static_cast<size_t>(b)];
    for (int64_t i = 0; i < chunk; ++i) v[b * chunk + i] *= m;
  }
}

}  // namespace

Tensor LinearWithLora(const Tensor& x, const Tensor& weight, const Tensor& bias,
                      const LoraLayers* loras, int layer) {
  Tensor y = tensor::Linear(x, weight, bias);
  const auto* terms = loras == nullptr ? nullptr : loras->terms(layer);
  if (terms == nullptr) return y;
  for (const LoraLayers::Term& t : *terms) {
    Tensor low = tensor::Linear(x, t.down);  // [rows, r]: scaling it is the cheapest place
    ScaleLow(low, t);
    tensor::AddInPlace(y, tensor::Linear(low, t.up));
  }
  return y;
}

Tensor Conv2dWithLora(const Tensor& x, const Tensor& weight, const Tensor& bias, int stride,
                      int padding, const LoraLayers* loras, int layer) {
  Tensor y = tensor::Conv2d(x, weight, bias, stride, padding);
  const auto* terms = loras == nullptr ? nullptr : loras->terms(layer);
  if (terms == nullptr) return y;
  for (const LoraLayers::Term& t : *terms) {
    Tensor low = tensor::Conv2d(x, t.down, Tensor(), stride, padding);
    ScaleLow(low, t);
    tensor::AddInPlace(y, tensor::Conv2d(low, t.up, Tensor()));
  }
  return y;
}

}  // namespace depict::diffusion
