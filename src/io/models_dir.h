// Where depict finds its model files (the CLIP vocabulary, face-api, nsfwjs): one setting for
// `generate`, `inspect` and the service.
#ifndef DEPICT_IO_MODELS_DIR_H_
#define DEPICT_IO_MODELS_DIR_H_

#include <filesystem>
#include <string>

namespace depict::io {

// `flag` when given; else $DEPICT_MODELS_DIR; else models/ of the source tree the binary was
// built from, when it has one; else ./models.
std::filesystem::path ModelsDir(const std::string& flag = "");

}  // namespace depict::io

#endif  // DEPICT_IO_MODELS_DIR_H_
