// make_tiny_checkpoint FIXTURE OUT: writes the complete tiny checkpoint the CLI test generates
// images with (tiny_checkpoint.h).
#include <cstdio>
#include <exception>

#include "diffusion/tiny_checkpoint.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_tiny_checkpoint tiny_sd1.safetensors OUT.safetensors\n");
    return 2;
  }
  try {
    depict::testing::WriteTinyCheckpoint(argv[1], argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_tiny_checkpoint: %s\n", e.what());
    return 1;
  }
  return 0;
}
