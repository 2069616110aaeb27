// Fuzzes the safetensors reader: hostile bytes must give a FormatError, never a crash, a hang or
// a read outside the file. Each input is tried twice: as a header (over a data section as long
// as the input) and as a whole file, opened through the real mmap path; every tensor of a file
// that opens is then read and converted, so a wrong bounds check shows up under ASan, and the
// file is read as a LoRA adapter too (LoraError for anything that is not one).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "diffusion/lora.h"
#include "tensor/safetensors.h"

namespace {

// The file each input is written to: an in-memory file (memfd), opened by its /proc path so the
// real Open() runs without disk I/O, which would slow fuzzing down a hundredfold.
int ScratchFd() {
  static const int fd = memfd_create("safetensors_fuzz", MFD_CLOEXEC);
  if (fd < 0) std::abort();
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using depict::tensor::DType;
  using depict::tensor::FormatError;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    std::map<std::string, std::string> metadata;
    depict::tensor::ParseSafetensorsHeader("fuzz", bytes, size, &metadata);
  } catch (const FormatError&) {
  }

  const int fd = ScratchFd();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) {
    std::abort();
  }
  try {
    const auto file = depict::tensor::SafetensorsFile::Open("/proc/self/fd/" + std::to_string(fd));
    volatile float sink = 0;
    for (const auto& info : file->tensors()) {
      try {
        const depict::tensor::Tensor t = file->GetAs(info.name, DType::kF32);
        const float* p = t.f32();
        for (int64_t i = 0; i < t.numel(); ++i) sink = sink + p[i];
      } catch (const FormatError&) {  // unsupported dtypes
      }
    }
  } catch (const FormatError&) {
  }
  try {
    depict::diffusion::LoraFile::Load("/proc/self/fd/" + std::to_string(fd));
  } catch (const FormatError&) {
  } catch (const depict::diffusion::LoraError&) {
  }
  return 0;
}
