// make_tiny_checkpoint FIXTURE OUT [EXTRA...]: writes the complete tiny checkpoint the CLI test
// generates images with (tiny_checkpoint.h), with the tensors of each EXTRA file added (the VAE
// encoder of tests/fixtures/vae_encoder/tiny_sd1_encoder.safetensors, for img2img).
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "diffusion/tiny_checkpoint.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: make_tiny_checkpoint tiny_sd1.safetensors OUT.safetensors "
                 "[EXTRA.safetensors...]\n");
    return 2;
  }
  try {
    depict::testing::WriteTinyCheckpoint(
        argv[1], argv[2],
        "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight",
        std::vector<std::string>(argv + 3, argv + argc));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_tiny_checkpoint: %s\n", e.what());
    return 1;
  }
  return 0;
}
