#include "cast/sampler.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace depict::cast {
namespace {

// SplitMix64: small, fast and identical on every platform, unlike std:: distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }

 private:
  uint64_t state_;
};

uint64_t Mix(uint64_t a, uint64_t b) { return Rng(a * 0x9E3779B97F4A7C15ull ^ b).Next(); }

// FNV-1a of a person's words. With a batch shorter than the values it draws from (8 images over
// nine ethnicities), which value a batch leaves out must depend on the prompt, not on the seed
// alone: with one fixed seed, every prompt left out the same group (found by `depict audit`).
uint64_t WordsHash(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

}  // namespace

std::vector<int> StratifiedDraw(ValueSet allowed, const std::vector<double>& weights, int n,
                                uint64_t rng_seed) {
  Rng rng(rng_seed);
  std::vector<int> values;
  std::vector<double> w;
  for (int v = 0; v < static_cast<int>(weights.size()); ++v) {
    if (Has(allowed, v) && weights[v] > 0) {
      values.push_back(v);
      w.push_back(weights[v]);
    }
  }
  if (values.empty()) {  // the target excludes everything allowed: fall back to uniform
    for (int v = 0; v < 16; ++v) {
      if (Has(allowed, v)) {
        values.push_back(v);
        w.push_back(1.0);
      }
    }
  }
  std::vector<int> out;
  if (values.empty() || n <= 0) return out;
  double total = 0;
  for (double x : w) total += x;
  // Largest remainder: floor of each quota, then the rest to the largest fractions, ties broken
  // by a seeded random rank so that which value misses out varies with the seed.
  std::vector<int> counts(values.size());
  std::vector<std::pair<double, uint64_t>> rest(values.size());
  int given = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    const double quota = n * w[i] / total;
    counts[i] = static_cast<int>(std::floor(quota));
    given += counts[i];
    rest[i] = {quota - counts[i], rng.Next()};
  }
  std::vector<size_t> order(values.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (rest[a].first != rest[b].first) return rest[a].first > rest[b].first;
    return rest[a].second < rest[b].second;
  });
  for (size_t i = 0; given < n; i = (i + 1) % order.size()) {
    ++counts[order[i]];
    ++given;
  }
  out.reserve(n);
  for (size_t i = 0; i < values.size(); ++i) out.insert(out.end(), counts[i], values[i]);
  for (size_t i = out.size(); i > 1; --i) std::swap(out[i - 1], out[rng.Below(i)]);
  return out;
}

std::vector<ImageCast> Sample(const std::vector<Person>& people, const Target& target, int count,
                              uint64_t seed) {
  std::vector<ImageCast> images(std::max(count, 0));
  for (int i = 0; i < count; ++i) {
    images[i].seed = seed + static_cast<uint64_t>(i);
    images[i].people.resize(people.size());
    for (size_t p = 0; p < people.size(); ++p) images[i].people[p].resize(people[p].members);
  }
  for (size_t p = 0; p < people.size(); ++p) {
    const Person& person = people[p];
    const int members = person.members;
    for (Dim dim : kDims) {
      const Decision& d = person.attributes[static_cast<int>(dim)];
      const int di = static_cast<int>(dim);
      if (d.source == Source::kIdentity && d.values == 0) continue;
      // A named person is one person in every image: of the values their identity allows
      // ("black,south_asian"; "adult,elderly") each image reports the first, never a draw.
      if (d.source == Source::kIdentity && SingleValue(d.values) < 0) {
        const int first = std::countr_zero(static_cast<unsigned>(d.values));
        for (ImageCast& image : images) {
          for (Member& m : image.people[p]) m.values[di] = static_cast<int8_t>(first);
        }
        continue;
      }
      if (dim == Dim::kEthnicity && person.ethnicity_from >= 0) {
        for (ImageCast& image : images) {
          const int8_t v = image.people[person.ethnicity_from][0].values[di];
          for (Member& m : image.people[p]) m.values[di] = v;
        }
        continue;
      }
      if (const int single = SingleValue(d.values); single >= 0) {
        for (ImageCast& image : images) {
          for (Member& m : image.people[p]) m.values[di] = static_cast<int8_t>(single);
        }
        continue;
      }
      if (dim == Dim::kAge && person.parents_and_children &&
          d.values == (Bit(kAdult) | Bit(kChild))) {
        for (ImageCast& image : images) {
          for (int m = 0; m < members; ++m) {
            image.people[p][m].values[di] = static_cast<int8_t>(m < 2 ? kAdult : kChild);
          }
        }
        continue;
      }
      // The target applies within whatever the prompt allows ("an Asian woman": the three
      // Asian values; "a young doctor": child, teen or adult, and the target says adult).
      const std::vector<double>& weights = target.weights[di];
      const bool shared = dim == Dim::kEthnicity && person.shared_ethnicity;
      const int per_image = shared ? 1 : members;
      const std::vector<int> draws = StratifiedDraw(
          d.values, weights, count * per_image, Mix(seed ^ WordsHash(person.text), p * 4 + di + 1));
      if (draws.empty()) continue;
      for (int i = 0; i < count; ++i) {
        for (int m = 0; m < members; ++m) {
          const int slot = i * per_image + (shared ? 0 : m);
          images[i].people[p][m].values[di] = static_cast<int8_t>(draws[slot]);
        }
      }
    }
  }
  return images;
}

}  // namespace depict::cast
