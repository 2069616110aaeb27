// The settings a diffusers checkpoint folder keeps in JSON config files rather than in its
// tensors' shapes:
//   unet/config.json                  norm_num_groups, num_attention_heads / attention_head_dim
//                                     (with block_out_channels when the heads are per block)
//   vae/config.json                   norm_num_groups, scaling_factor
//   scheduler/scheduler_config.json   prediction_type
// Other keys are ignored. A key that is missing or null keeps the family's default (diffusers
// writes null for "use the default"). A key that is present must have the type and range below,
// or the folder is refused with a DiffusersConfigError naming the file, the key and what was
// expected: a config that says something depict would silently misread is worse than none.
//   norm_num_groups       integer 1..kMaxConfigGroups
//   num_attention_heads,
//   attention_head_dim    integer 1..kMaxConfigHeads, or a list of them, one per block, with
//                         block_out_channels a list of as many integers 1..kMaxConfigChannels,
//                         each a multiple of its head count, all heads of one size
//   scaling_factor        finite number in (0, kMaxConfigScalingFactor]
//   prediction_type       "epsilon" or "v_prediction" ("sample" and others are errors)
#ifndef DEPICT_DIFFUSION_DIFFUSERS_CONFIG_H_
#define DEPICT_DIFFUSION_DIFFUSERS_CONFIG_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "diffusion/schedule.h"
#include "diffusion/unet.h"
#include "diffusion/vae.h"

namespace depict::diffusion {

class DiffusersConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Real configs are about 2 KB; anything past this is not one.
inline constexpr uint64_t kMaxDiffusersConfigBytes = 1 << 20;
inline constexpr int kMaxConfigGroups = 1024;
inline constexpr int kMaxConfigHeads = 1024;
inline constexpr int kMaxConfigChannels = 65536;
inline constexpr float kMaxConfigScalingFactor = 100.0f;

// The text of the config file `file`, or nothing when it does not exist. Opened as a regular
// file of at most kMaxDiffusersConfigBytes (a FIFO, a directory or a huge file throws
// io::FileError naming it, never blocks).
std::optional<std::string> ReadDiffusersConfig(const std::filesystem::path& file);

// `defaults` with what unet/config.json (`json_text`, read from `file`) sets. diffusers reads
// attention_head_dim as the number of heads when num_attention_heads is null (a naming accident
// it keeps for old configs); a list of head counts becomes UnetOptions::head_dim.
UnetOptions UnetOptionsFromConfig(std::string_view json_text, const std::string& file,
                                  UnetOptions defaults);
// `defaults` with what vae/config.json sets.
VaeOptions VaeOptionsFromConfig(std::string_view json_text, const std::string& file,
                                VaeOptions defaults);
// The prediction type scheduler/scheduler_config.json names, or nothing when it names none.
std::optional<Prediction> PredictionFromSchedulerConfig(std::string_view json_text,
                                                        const std::string& file);

}  // namespace depict::diffusion

#endif  // DEPICT_DIFFUSION_DIFFUSERS_CONFIG_H_
