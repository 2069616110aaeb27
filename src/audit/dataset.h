// `depict audit --dataset`: a training set's composition measured the way a generator's output
// is, because a generator inherits its data's (images through the inspector, captions through
// the planner). A dataset is a folder of images with same-named .txt captions (the layout LoRA
// and fine-tuning tools read), or a JSON Lines file of {"image": PATH, "caption": TEXT} with
// paths inside the file's folder.
#ifndef DEPICT_AUDIT_DATASET_H_
#define DEPICT_AUDIT_DATASET_H_

#include <array>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "audit/stats.h"
#include "plan/planner.h"
#include "vision/inspect.h"

namespace depict::audit {

class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DatasetItem {
  std::string image;    // path
  std::string caption;  // "" when none
};

// The items of a folder or a JSON Lines file, sorted by image path. Throws DatasetError.
std::vector<DatasetItem> ListDataset(const std::string& spec);

// One item as measured.
struct ItemResult {
  std::string image, caption;
  std::string error;  // an image that could not be read: counted, never dropped silently
  int faces = 0;
  int gender = -1;  // the largest face's perceived gender (cast values), -1 none
  int age = -1;
  int monk = 0;                             // 1-10, 0 none
  int caption_people = 0;                   // people the planner finds in the caption
  int caption_gender = -1;                  // the one person's gender as the caption states it
  std::array<bool, 9> caption_ethnicity{};  // ethnicities the caption states
};

struct DatasetSummary {
  uint64_t items = 0, unreadable = 0, with_face = 0, captioned = 0, captions_with_people = 0;
  std::map<std::string, Estimate> metrics;      // gender_imbalance, skin_tone_imbalance, ...
  std::array<uint64_t, 2> gender{};             // perceived
  std::array<uint64_t, 4> age{};                // perceived
  std::array<uint64_t, 10> monk{};              // perceived
  std::array<uint64_t, 9> caption_ethnicity{};  // stated in captions
};

using Progress = std::function<void(size_t done, size_t total)>;

std::vector<ItemResult> MeasureDataset(const std::vector<DatasetItem>& items,
                                       const vision::Inspector& inspector,
                                       const plan::Planner& planner, int parallel,
                                       const Progress& progress = {});

DatasetSummary SummarizeDataset(const std::vector<ItemResult>& results);

// Writes DIR/summary.json, DIR/results.jsonl and DIR/report.html for a dataset.
void WriteDatasetReport(const std::string& spec, const std::vector<ItemResult>& results,
                        const DatasetSummary& summary, const std::string& dir);

nlohmann::json DatasetSummaryJson(const std::string& spec, const DatasetSummary& summary);

}  // namespace depict::audit

#endif  // DEPICT_AUDIT_DATASET_H_
