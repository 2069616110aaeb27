// Fuzzes a deployment's target distribution (--target JSON): it loads or is rejected with
// TableError, and a target that loads draws any batch size without overflow or runaway loops.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cast/knowledge.h"
#include "cast/sampler.h"
#include "text/tsv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace depict;
  static cast::Knowledge knowledge;
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  try {
    knowledge.SetTarget("fuzz.json", json);
  } catch (const text::TableError&) {
    return 0;
  }
  const int n = static_cast<int>(size % 1001);
  for (const auto& weights : knowledge.target().weights) {
    const std::vector<int> draw = cast::StratifiedDraw(0xFFFF, weights, n, size);
    if (static_cast<int>(draw.size()) != n) __builtin_trap();
  }
  return 0;
}
