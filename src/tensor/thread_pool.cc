#include "tensor/thread_pool.h"

#include <algorithm>
#include <memory>

namespace depict::tensor {
namespace {

thread_local bool tls_in_pool_task = false;

struct InTask {
  bool saved = tls_in_pool_task;
  InTask() { tls_in_pool_task = true; }
  ~InTask() { tls_in_pool_task = saved; }
};

int DefaultThreads() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

std::mutex global_mutex;
std::shared_ptr<ThreadPool>& GlobalPool() {
  static std::shared_ptr<ThreadPool> pool = std::make_shared<ThreadPool>(DefaultThreads());
  return pool;
}

std::shared_ptr<ThreadPool> CurrentPool() {
  std::lock_guard<std::mutex> lock(global_mutex);
  return GlobalPool();
}

}  // namespace

ThreadPool::ThreadPool(int threads) {
  const int n = std::max(1, threads);
  try {
    workers_.reserve(static_cast<size_t>(n - 1));
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
  } catch (...) {
    // The system ran out of threads (std::system_error): the destructor will not run, and a
    // joinable std::thread destroyed unjoined would terminate the process, so stop the workers
    // already started before passing the error on.
    StopWorkers();
    throw;
  }
}

ThreadPool::~ThreadPool() { StopWorkers(); }

void ThreadPool::StopWorkers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

void ThreadPool::WorkerLoop(int index) {
  uint64_t seen = 0;
  for (;;) {
    std::unique_lock<std::mutex> lock(mutex_);
    work_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    if (index >= chunks_) continue;  // this loop has fewer chunks than threads
    const int64_t begin = index * chunk_size_;
    const int64_t end = std::min(n_, begin + chunk_size_);
    const auto* fn = fn_;
    lock.unlock();
    std::exception_ptr error;
    {
      InTask in_task;
      try {
        (*fn)(begin, end);
      } catch (...) {
        error = std::current_exception();
      }
    }
    lock.lock();
    if (error && !error_) error_ = error;
    if (--pending_ == 0) done_cv_.notify_one();
  }
}

void ThreadPool::ParallelFor(int64_t n, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t chunks = std::min<int64_t>(threads(), (n + grain - 1) / grain);
  if (chunks <= 1 || tls_in_pool_task) {
    fn(0, n);
    return;
  }
  std::unique_lock<std::mutex> submit(submit_mutex_, std::try_to_lock);
  if (!submit.owns_lock()) {  // another thread's loop is running: do this one inline
    fn(0, n);
    return;
  }
  const int64_t chunk_size = (n + chunks - 1) / chunks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    n_ = n;
    chunks_ = (n + chunk_size - 1) / chunk_size;
    chunk_size_ = chunk_size;
    fn_ = &fn;
    pending_ = static_cast<int>(chunks_ - 1);
    error_ = nullptr;
    ++generation_;
  }
  work_cv_.notify_all();
  std::exception_ptr error;
  {
    InTask in_task;
    try {
      fn(0, std::min(n, chunk_size));
    } catch (...) {
      error = std::current_exception();
    }
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait(lock, [&] { return pending_ == 0; });
  fn_ = nullptr;
  if (!error) error = error_;
  error_ = nullptr;
  lock.unlock();
  if (error) std::rethrow_exception(error);
}

void ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  CurrentPool()->ParallelFor(n, grain, fn);
}

void ResizeGlobalPool(int threads) {
  auto pool = std::make_shared<ThreadPool>(threads);
  std::shared_ptr<ThreadPool> old;
  {
    std::lock_guard<std::mutex> lock(global_mutex);
    old = std::move(GlobalPool());
    GlobalPool() = std::move(pool);
  }
  // `old` is joined here, or by the last loop still holding it.
}

}  // namespace depict::tensor
