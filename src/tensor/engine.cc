#include "tensor/engine.h"

#include <cpuid.h>
#include <dlfcn.h>
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "tensor/engine_internal.h"
#include "tensor/ops_internal.h"
#include "tensor/thread_pool.h"

namespace depict::tensor {
namespace {

int AllCores() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

std::atomic<int> g_threads{0};  // 0: not set, all cores

std::mutex g_config_mutex;
ComputeConfig g_config;

// libgomp is loaded by libdnnl; we do not link it ourselves (the project is not built with
// -fopenmp), so find omp_set_num_threads at run time. If oneDNN were built for another runtime the
// symbol is simply absent and oneDNN keeps its default.
using SetOmpThreadsFn = void (*)(int);
SetOmpThreadsFn OmpSetNumThreads() {
  static const SetOmpThreadsFn fn =
      reinterpret_cast<SetOmpThreadsFn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  return fn;
}

struct WeightEntry {
  Tensor source;  // keeps the source buffer (and so its address) alive
  dnnl::memory::desc desc;
  dnnl::memory memory;
  size_t bytes = 0;
  uint64_t last_use = 0;
};

struct WeightCache {
  std::mutex mutex;
  std::unordered_map<const void*, std::vector<WeightEntry>> entries;
  size_t bytes = 0;
  size_t limit = size_t{4} << 30;
  uint64_t clock = 0;

  // Drops least recently used entries until the total fits the limit (the newest always stays).
  void Evict() {
    while (bytes > limit) {
      const void* victim_key = nullptr;
      size_t victim_index = 0;
      uint64_t oldest = UINT64_MAX;
      for (const auto& [key, list] : entries) {
        for (size_t i = 0; i < list.size(); ++i) {
          if (list[i].last_use < oldest) {
            oldest = list[i].last_use;
            victim_key = key;
            victim_index = i;
          }
        }
      }
      if (victim_key == nullptr || oldest == clock) return;
      auto it = entries.find(victim_key);
      bytes -= it->second[victim_index].bytes;
      it->second.erase(it->second.begin() + static_cast<std::ptrdiff_t>(victim_index));
      if (it->second.empty()) entries.erase(it);
    }
  }
};

WeightCache& Weights() {
  static auto* cache = new WeightCache();  // never destroyed: ops may run during static exit
  return *cache;
}

struct ObjectCache {
  std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<void>> objects;
};

ObjectCache& Objects() {
  static auto* cache = new ObjectCache();
  return *cache;
}

void ConvertF16Scalar(const uint16_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = HalfToFloat(src[i]);
}

__attribute__((target("avx2,f16c"))) void ConvertF16F16c(const uint16_t* src, float* dst,
                                                         int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
  ConvertF16Scalar(src + i, dst + i, n - i);
}

void ConvertF16(const uint16_t* src, float* dst, int64_t n) {
  static const bool f16c = [] {  // CPUID leaf 1, ECX bit 29 (Clang 14's cpu_supports lacks it)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_F16C) != 0 &&
           __builtin_cpu_supports("avx2");
  }();
  if (f16c) {
    ConvertF16F16c(src, dst, n);
  } else {
    ConvertF16Scalar(src, dst, n);
  }
}

void ConvertBF16(const uint16_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t bits = static_cast<uint32_t>(src[i]) << 16;
    std::memcpy(dst + i, &bits, 4);
  }
}

DEPICT_KERNEL_CLONES void RoundToBF16(const float* src, uint16_t* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = internal::ToBF16(src[i]);
}

}  // namespace

int MaxThreads() { return std::min(1024, 4 * AllCores()); }

void SetNumThreads(int n) {
  if (n < 0 || n > MaxThreads()) {
    throw std::invalid_argument("thread count " + std::to_string(n) + " is not between 1 and " +
                                std::to_string(MaxThreads()) + " (0: all cores)");
  }
  const int threads = n == 0 ? AllCores() : n;
  if (g_threads.load() == threads) return;
  ResizeGlobalPool(threads);  // throws, leaving the old pool, when threads cannot start
  g_threads.store(threads);
}

int NumThreads() {
  const int n = g_threads.load();
  return n == 0 ? AllCores() : n;
}

void SetComputeConfig(const ComputeConfig& config) {
  std::lock_guard<std::mutex> lock(g_config_mutex);
  g_config = config;
}

ComputeConfig GetComputeConfig() {
  std::lock_guard<std::mutex> lock(g_config_mutex);
  return g_config;
}

void ForgetWeights(const Tensor& weight) {
  WeightCache& cache = Weights();
  std::lock_guard<std::mutex> lock(cache.mutex);
  auto it = cache.entries.find(weight.data());
  if (it == cache.entries.end()) return;
  for (const WeightEntry& e : it->second) cache.bytes -= e.bytes;
  cache.entries.erase(it);
}

void ClearWeightCache() {
  WeightCache& cache = Weights();
  std::lock_guard<std::mutex> lock(cache.mutex);
  cache.entries.clear();
  cache.bytes = 0;
}

size_t WeightCacheBytes() {
  WeightCache& cache = Weights();
  std::lock_guard<std::mutex> lock(cache.mutex);
  return cache.bytes;
}

void SetWeightCacheLimit(size_t bytes) {
  WeightCache& cache = Weights();
  std::lock_guard<std::mutex> lock(cache.mutex);
  cache.limit = bytes;
  ++cache.clock;
  cache.Evict();
}

namespace internal {

dnnl::engine& Engine() {
  static auto* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

namespace {
thread_local int tls_threads_override = 0;  // set by SingleThreaded
}  // namespace

int EffectiveThreads() { return tls_threads_override > 0 ? tls_threads_override : NumThreads(); }

SingleThreaded::SingleThreaded() : saved_(tls_threads_override) { tls_threads_override = 1; }
SingleThreaded::~SingleThreaded() { tls_threads_override = saved_; }

void ApplyThreads() {
  thread_local int applied = 0;
  const int threads = EffectiveThreads();
  if (applied != threads) {
    if (SetOmpThreadsFn fn = OmpSetNumThreads()) fn(threads);
    applied = threads;
  }
}

dnnl::stream& Stream() {
  ApplyThreads();
  thread_local dnnl::stream stream(Engine());
  return stream;
}

void* Scratch(int slot, size_t bytes) {
  struct Buffer {
    void* data = nullptr;
    size_t bytes = 0;
    Buffer() = default;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer() { std::free(data); }
  };
  thread_local Buffer buffers[kScratchSlots];
  if (slot < 0 || slot >= kScratchSlots) throw std::invalid_argument("bad scratch slot");
  Buffer& b = buffers[slot];
  if (b.bytes < bytes) {
    std::free(b.data);
    b.data = nullptr;
    b.bytes = 0;
    const size_t rounded = (bytes + 63) / 64 * 64;
    b.data = std::aligned_alloc(64, rounded);
    if (b.data == nullptr) throw std::bad_alloc();
    b.bytes = rounded;
  }
  return b.data;
}

dnnl::primitive_attr Attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::memory ScratchpadFor(const dnnl::primitive_desc_base& pd) {
  const dnnl::memory::desc md = pd.scratchpad_desc();
  return dnnl::memory(md, Engine(), Scratch(kScratchpadSlot, md.get_size()));
}

void Reorder(const dnnl::reorder& r, const dnnl::memory& src, const dnnl::memory& dst) {
  const dnnl_memory_desc_t* md =
      dnnl_primitive_desc_query_md(r.get_primitive_desc(), dnnl_query_scratchpad_md, 0);
  const dnnl::memory::desc scratch_md =
      md != nullptr ? dnnl::memory::desc(*md) : dnnl::memory::desc();
  r.execute(Stream(),
            {{DNNL_ARG_FROM, src},
             {DNNL_ARG_TO, dst},
             {DNNL_ARG_SCRATCHPAD, dnnl::memory(scratch_md, Engine(),
                                                Scratch(kScratchpadSlot, scratch_md.get_size()))}});
}

void Reorder(const dnnl::memory& src, const dnnl::memory& dst) {
  Reorder(dnnl::reorder(src, dst, Attr()), src, dst);
}

std::shared_ptr<void> CachedObject(const std::string& key,
                                   const std::function<std::shared_ptr<void>()>& make) {
  ApplyThreads();  // oneDNN splits work for the thread count current at creation
  const std::string full = key + "|t" + std::to_string(EffectiveThreads());
  ObjectCache& cache = Objects();
  {
    std::lock_guard<std::mutex> lock(cache.mutex);
    auto it = cache.objects.find(full);
    if (it != cache.objects.end()) return it->second;
  }
  std::shared_ptr<void> object = make();  // outside the lock: creation can take milliseconds
  std::lock_guard<std::mutex> lock(cache.mutex);
  if (cache.objects.size() >= 4096) cache.objects.clear();  // a bound, far above SD's needs
  return cache.objects.emplace(full, std::move(object)).first->second;
}

dnnl::memory PreparedWeights(const Tensor& weight, const dnnl::memory::dims& dims,
                             dnnl::memory::format_tag plain, const dnnl::memory::desc& desc) {
  WeightCache& cache = Weights();
  {
    std::lock_guard<std::mutex> lock(cache.mutex);
    auto it = cache.entries.find(weight.data());
    if (it != cache.entries.end()) {
      for (WeightEntry& e : it->second) {
        if (e.desc == desc && e.source.dtype() == weight.dtype() &&
            e.source.shape() == weight.shape()) {
          e.last_use = ++cache.clock;
          return e.memory;
        }
      }
    }
  }
  using dt = dnnl::memory::data_type;
  dnnl::stream& stream = Stream();
  Tensor converted;
  const void* src = weight.data();
  dt src_dt = dt::f32;
  if (weight.dtype() == DType::kF16) {
    converted = Tensor::Zeros(weight.shape());
    ConvertToF32(weight, converted.f32());
    src = converted.data();
  } else if (weight.dtype() == DType::kBF16) {
    src_dt = dt::bf16;
  }
  dnnl::memory source(dnnl::memory::desc(dims, src_dt, plain), Engine(), const_cast<void*>(src));
  dnnl::memory prepared(desc, Engine());
  Reorder(source, prepared);
  stream.wait();
  // The prepared copy is what the ops read from now on: the file's pages of this weight would
  // only double its memory (SD 1.5's convolutions: ~1 GB).
  weight.ReleasePages();

  std::lock_guard<std::mutex> lock(cache.mutex);
  std::vector<WeightEntry>& list = cache.entries[weight.data()];
  for (WeightEntry& e : list) {  // another thread prepared it meanwhile
    if (e.desc == desc && e.source.dtype() == weight.dtype() &&
        e.source.shape() == weight.shape()) {
      e.last_use = ++cache.clock;
      return e.memory;
    }
  }
  list.push_back(WeightEntry{weight, desc, prepared, desc.get_size(), ++cache.clock});
  cache.bytes += desc.get_size();
  cache.Evict();
  return prepared;
}

void RequireData(const Tensor& t) {
  if (t.empty()) throw ShapeError("an op got an empty (default-constructed) tensor");
}

const float* In(const Tensor& t) {
  RequireData(t);
  return t.f32();
}

float* InOut(Tensor& t) {
  RequireData(t);
  return t.f32();
}

void ConvertToF32(const Tensor& t, float* dst) {
  const int64_t n = t.numel();
  if (t.dtype() == DType::kF32) {
    const float* src = t.f32();
    ParallelFor(n, 1 << 16, [&](int64_t b, int64_t e) {
      std::memcpy(dst + b, src + b, static_cast<size_t>(e - b) * 4);
    });
    return;
  }
  const uint16_t* src = t.u16();
  const bool half = t.dtype() == DType::kF16;
  ParallelFor(n, 1 << 16, [&](int64_t b, int64_t e) {
    if (half) {
      ConvertF16(src + b, dst + b, e - b);
    } else {
      ConvertBF16(src + b, dst + b, e - b);
    }
  });
}

void ConvertToBF16(const Tensor& t, uint16_t* dst) {
  const int64_t n = t.numel();
  if (t.dtype() == DType::kBF16) {
    std::memcpy(dst, t.data(), static_cast<size_t>(n) * 2);
    return;
  }
  ParallelFor(n, 1 << 16, [&](int64_t b, int64_t e) {
    float chunk[1024];  // f16 goes through f32 in cache-sized pieces
    for (int64_t i = b; i < e; i += 1024) {
      const int64_t len = std::min<int64_t>(1024, e - i);
      const float* src = chunk;
      if (t.dtype() == DType::kF16) {
        ConvertF16(t.u16() + i, chunk, len);
      } else {
        src = t.f32() + i;
      }
      RoundToBF16(src, dst + i, len);
    }
  });
}

const float* AsF32(const Tensor& t, Tensor& holder) {
  if (t.dtype() == DType::kF32) return t.f32();
  holder = Tensor::Zeros(t.shape());
  ConvertToF32(t, holder.f32());
  return holder.f32();
}

std::string Key(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return std::to_string(bits);
}

dnnl::memory::dims Dims(const Shape& shape) {
  return dnnl::memory::dims(shape.begin(), shape.end());
}

}  // namespace internal
}  // namespace depict::tensor
