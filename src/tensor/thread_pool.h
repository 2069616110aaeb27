// A small fork-join pool for the kernels that are not oneDNN primitives (norms, elementwise ops,
// copies) and for Attention, which runs single-threaded oneDNN matmuls on it, one query block per
// thread. oneDNN 2.6 from Debian runs its own primitives on OpenMP (libgomp); the project is not
// built with -fopenmp, so our own loops use this pool instead, sized by SetNumThreads().
#ifndef DEPICT_TENSOR_THREAD_POOL_H_
#define DEPICT_TENSOR_THREAD_POOL_H_

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace depict::tensor {

class ThreadPool {
 public:
  // `threads` counts the calling thread: a pool of 1 runs everything inline. Throws
  // std::system_error (having stopped the threads it did start) when the system cannot start
  // them all.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) over disjoint ranges covering [0, n), each at least `grain` long
  // (except a shorter last one), and returns when all are done. The split depends only on n,
  // grain and threads(), so results are reproducible for a given thread count. Runs inline when
  // the range is too small to split, when called from inside a pool task, or when another thread
  // is already using the pool. The first exception thrown by fn is rethrown here.
  void ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void WorkerLoop(int index);
  void StopWorkers();

  std::vector<std::thread> workers_;
  std::mutex submit_mutex_;  // one ParallelFor at a time
  std::mutex mutex_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  uint64_t generation_ = 0;
  bool stop_ = false;
  int pending_ = 0;
  int64_t chunks_ = 0;
  int64_t n_ = 0;
  int64_t chunk_size_ = 0;
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  std::exception_ptr error_;
};

// ParallelFor on the process-wide pool, which SetNumThreads() (engine.h) resizes. A resize while
// a loop runs is safe: the loop keeps the old pool until it finishes.
void ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Replaces the process-wide pool with one of `threads` threads (engine.cc calls this).
void ResizeGlobalPool(int threads);

}  // namespace depict::tensor

#endif  // DEPICT_TENSOR_THREAD_POOL_H_
