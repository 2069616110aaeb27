// Casts every image of a batch: open attributes drawn from the target distribution, stratified
// so the batch covers it evenly, and deterministic for a seed.
#ifndef DEPICT_CAST_SAMPLER_H_
#define DEPICT_CAST_SAMPLER_H_

#include <cstdint>
#include <vector>

#include "cast/cast.h"
#include "cast/knowledge.h"

namespace depict::cast {

// Fills `images[i].people` (and `seed`: seed + i, as A1111 numbers a batch) for `count` images.
// For each attribute of each person, the values of all members of all images are drawn together:
// each allowed value gets its share of the target weight (largest remainder), then the draws are
// shuffled. A decision with one value is copied to every member; a named person's unknown
// attributes stay -1.
std::vector<ImageCast> Sample(const std::vector<Person>& people, const Target& target, int count,
                              uint64_t seed);

// Exposed for tests: `n` values from `allowed`, stratified by `weights`, shuffled by `rng_seed`.
std::vector<int> StratifiedDraw(ValueSet allowed, const std::vector<double>& weights, int n,
                                uint64_t rng_seed);

}  // namespace depict::cast

#endif  // DEPICT_CAST_SAMPLER_H_
