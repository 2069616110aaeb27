// An image inspection as JSON, the shape `depict inspect --json` and `depict generate --inspect
// --json` print: size, NSFW class probabilities, faces with perceived gender, age and skin tone.
#ifndef DEPICT_CLI_INSPECTION_JSON_H_
#define DEPICT_CLI_INSPECTION_JSON_H_

#include <nlohmann/json.hpp>

#include "vision/inspect.h"

namespace depict::cli {

nlohmann::json InspectionJson(const vision::InspectResult& result);

}  // namespace depict::cli

#endif  // DEPICT_CLI_INSPECTION_JSON_H_
