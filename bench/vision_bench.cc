// Image inspection timing (not a test): median milliseconds per 1024x1024 image for the tiny
// face detector (input 416), SSD MobileNetV1 (512), landmarks and age/gender per face and the
// NSFW classifier, on one thread and on all cores, and the peak RSS with all the models loaded.
//   build/bench/vision_bench [--models DIR] [--runs N]
// The image is the committed astronaut test photo scaled to 1024x1024, so each detector finds a
// face and the per-face nets run on a real crop. JS reference (face-api / nsfwjs on tfjs-wasm,
// README): ~105 ms tiny@416, 20 ms per face age/gender, 110 ms NSFW, 380-490 ms SSD, 136 MB.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "io/models_dir.h"
#include "tensor/engine.h"
#include "vision/face_nets.h"
#include "vision/image.h"
#include "vision/inspect.h"
#include "vision/nn.h"
#include "vision/nsfw.h"
#include "vision/ssd.h"

namespace {

using namespace depict::vision;

double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // ru_maxrss is in KiB on Linux
}

double CurrentRssMiB() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (f != nullptr) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1048576.0;
}

double ThreadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

struct Timing {
  double wall_ms, cpu_ms;  // medians; cpu: the calling thread's CPU time
};

Timing Median(int runs, const std::function<void()>& fn) {
  fn();  // warm-up: oneDNN primitive creation, first-touch of buffers
  std::vector<double> wall, cpu;
  for (int i = 0; i < runs; ++i) {
    const double c0 = ThreadCpuMs();
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    wall.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    cpu.push_back(ThreadCpuMs() - c0);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  // oneDNN's OpenMP threads spin after each primitive by default, taking cores from the thread
  // pool that runs our own kernels in between: with both busy, all-core runs were 10x slower on
  // a 2-core machine. libgomp reads its wait policy once, at load, so set it and start again.
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: go on with spinning threads
  }
  LimitHeapRetention();  // as `depict inspect` does
  std::filesystem::path models = depict::io::ModelsDir();
  int runs = 9;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--models") && i + 1 < argc) {
      models = argv[++i];
    } else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: vision_bench [--models DIR] [--runs N]\n");
      return 2;
    }
  }
  try {
    const std::filesystem::path face_api = models / "face-api";
    const TinyFaceDetector tiny(face_api);
    const SsdFaceDetector ssd(face_api);
    const FaceLandmarkNet landmarks(face_api);
    const AgeGenderNet age_gender(face_api);
    const NsfwClassifier nsfw(models / "nsfwjs" / "mobilenet_v2");
    ReleaseUnusedMemory();  // as vision::Inspector does once its models are loaded
    std::printf("models loaded: RSS %.1f MiB (peak while loading %.1f MiB)\n", CurrentRssMiB(),
                PeakRssMiB());

    const Image photo =
        LoadImage(std::filesystem::path(DEPICT_SOURCE_DIR) / "tests/fixtures/vision/astronaut.png");
    // 8-bit RGB, as `depict inspect` holds a decoded photo.
    Image image;
    image.width = image.height = 1024;
    {
      const Map scaled = ResizeBilinear(ImageToMap(photo), 1024, 1024, false);
      image.rgb.resize(static_cast<size_t>(scaled.size()));
      for (size_t i = 0; i < image.rgb.size(); ++i) {
        image.rgb[i] =
            static_cast<uint8_t>(std::lround(std::clamp(scaled.data()[i], 0.0f, 255.0f)));
      }
    }
    const std::vector<Detection> faces = tiny.Detect(image);
    if (faces.empty()) throw std::runtime_error("no face found in the benchmark image");
    const Box b = faces[0].box;
    const PixelSource face(image, static_cast<int>(b.x), static_cast<int>(b.y),
                           static_cast<int>(b.width), static_cast<int>(b.height));
    std::printf("image 1024x1024, face crop %dx%d, %d runs per figure (median)\n", face.width(),
                face.height(), runs);
    // On one thread all the work runs on the calling thread, so its CPU time is the work itself,
    // whatever else the machine is doing; wall times include waiting for a busy core.
    std::printf("%-28s %12s %12s %12s\n", "", "1 thread", "(its CPU)", "all cores");
    const int all = std::max(1, depict::tensor::NumThreads());
    const auto row = [&](const char* name, const std::function<void()>& fn) {
      depict::tensor::SetNumThreads(1);
      const Timing one = Median(runs, fn);
      depict::tensor::SetNumThreads(all);
      const Timing many = Median(runs, fn);
      std::printf("%-28s %9.1f ms %9.1f ms %9.1f ms   (peak RSS so far %.0f MiB)\n", name,
                  one.wall_ms, one.cpu_ms, many.wall_ms, PeakRssMiB());
    };
    row("tiny face detector @416", [&] { tiny.Detect(image, 416); });
    row("SSD MobileNetV1 @512", [&] { ssd.Detect(image); });
    row("landmarks (per face)", [&] { landmarks.Forward(face); });
    row("age/gender (per face)", [&] { age_gender.Forward(face); });
    row("NSFW MobileNetV2 @224", [&] { nsfw.Classify(image); });
    std::printf("threads (all cores): %d\n", all);
    std::printf("peak RSS, all four models loaded and run: %.1f MiB\n", PeakRssMiB());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vision_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
