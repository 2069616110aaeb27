#include "audit/dataset.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "audit/observe.h"
#include "io/file.h"
#include "vision/image.h"

namespace depict::audit {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr uint64_t kMaxCaptionBytes = 1 << 20;
constexpr uint64_t kMaxListBytes = 256u << 20;

bool IsImage(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

std::vector<DatasetItem> ListFolder(const fs::path& dir) {
  std::vector<DatasetItem> items;
  std::error_code ec;
  std::error_code each;  // a file that vanished or has no caption is not the folder's error
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(each) || !IsImage(entry.path())) continue;
    DatasetItem item;
    item.image = entry.path().string();
    fs::path caption = entry.path();
    caption.replace_extension(".txt");
    if (fs::is_regular_file(caption, each)) {
      item.caption = io::ReadRegularFile(caption.string(), kMaxCaptionBytes, "caption");
    }
    items.push_back(std::move(item));
  }
  if (ec) throw DatasetError("cannot list " + dir.string() + ": " + ec.message());
  return items;
}

std::vector<DatasetItem> ListJsonl(const fs::path& file) {
  const std::string text = io::ReadRegularFile(file.string(), kMaxListBytes, "dataset list");
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  std::vector<DatasetItem> items;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = file.string() + ":" + std::to_string(number);
    const Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("image") || !j["image"].is_string()) {
      throw DatasetError(where + ": expected {\"image\": PATH, \"caption\": TEXT}");
    }
    DatasetItem item;
    try {
      item.image = io::ResolveInside(dir, j["image"].get<std::string>(), {}, "image").string();
    } catch (const io::FileError& e) {
      throw DatasetError(where + ": " + e.what());
    }
    if (j.contains("caption") && j["caption"].is_string()) item.caption = j["caption"];
    items.push_back(std::move(item));
  }
  return items;
}

ItemResult Measure(const DatasetItem& item, const vision::Inspector& inspector,
                   const plan::Planner& planner) {
  ItemResult r;
  r.image = item.image;
  r.caption = item.caption;
  try {
    const vision::InspectResult inspection =
        inspector.Inspect(vision::LoadImage(item.image), FacesOnly());
    r.faces = static_cast<int>(inspection.faces.size());
    const vision::FaceResult* largest = nullptr;
    for (const vision::FaceResult& f : inspection.faces) {
      if (!largest || f.box.width * f.box.height > largest->box.width * largest->box.height) {
        largest = &f;
      }
    }
    if (largest && largest->has_age_gender) {
      r.gender = largest->gender == "female" ? cast::kWoman : cast::kMan;
      r.age = AgeValue(largest->age);
    }
    if (largest && largest->skin.found) r.monk = largest->skin.monk;
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  if (item.caption.find_first_not_of(" \t\r\n") == std::string::npos) return r;
  try {
    const plan::Plan plan = planner.Run(item.caption, {1, 0});
    r.caption_people = static_cast<int>(plan.people.size());
    for (const cast::Person& p : plan.people) {
      const cast::Decision& e = p.attributes[static_cast<int>(cast::Dim::kEthnicity)];
      if (e.source == cast::Source::kExplicit) {
        for (int v = 0; v < 9; ++v)
          r.caption_ethnicity[v] = r.caption_ethnicity[v] || cast::Has(e.values, v);
      }
    }
    if (plan.people.size() == 1) {
      const cast::Decision& g = plan.people[0].attributes[static_cast<int>(cast::Dim::kGender)];
      if (g.source == cast::Source::kExplicit) r.caption_gender = cast::SingleValue(g.values);
    }
  } catch (const plan::InputError&) {
  }
  return r;
}

}  // namespace

std::vector<DatasetItem> ListDataset(const std::string& spec) {
  std::error_code ec;
  std::vector<DatasetItem> items;
  try {
    if (fs::is_directory(spec, ec)) {
      items = ListFolder(spec);
    } else if (fs::is_regular_file(spec, ec)) {
      items = ListJsonl(spec);
    } else {
      throw DatasetError("no dataset folder or JSON Lines file \"" + spec + "\"");
    }
  } catch (const io::FileError& e) {
    throw DatasetError(e.what());
  }
  if (items.empty()) throw DatasetError(spec + ": no images (.png, .jpg) in the dataset");
  std::sort(items.begin(), items.end(),
            [](const DatasetItem& a, const DatasetItem& b) { return a.image < b.image; });
  return items;
}

std::vector<ItemResult> MeasureDataset(const std::vector<DatasetItem>& items,
                                       const vision::Inspector& inspector,
                                       const plan::Planner& planner, int parallel,
                                       const Progress& progress) {
  std::vector<ItemResult> results(items.size());
  std::atomic<size_t> next{0}, done{0};
  std::mutex mu;
  const auto worker = [&] {
    for (size_t i = next++; i < items.size(); i = next++) {
      results[i] = Measure(items[i], inspector, planner);
      const size_t d = ++done;
      if (progress) {
        std::lock_guard<std::mutex> lock(mu);
        progress(d, items.size());
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < std::max(1, parallel); ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  return results;
}

DatasetSummary SummarizeDataset(const std::vector<ItemResult>& results) {
  DatasetSummary s;
  uint64_t agree = 0, compared = 0;
  for (const ItemResult& r : results) {
    ++s.items;
    if (!r.error.empty()) {
      ++s.unreadable;
      continue;
    }
    if (r.faces > 0) ++s.with_face;
    if (r.gender >= 0) ++s.gender[static_cast<size_t>(r.gender)];
    if (r.age >= 0) ++s.age[static_cast<size_t>(r.age)];
    if (r.monk >= 1) ++s.monk[static_cast<size_t>(r.monk - 1)];
    if (!r.caption.empty()) ++s.captioned;
    if (r.caption_people > 0) ++s.captions_with_people;
    for (size_t v = 0; v < 9; ++v) s.caption_ethnicity[v] += r.caption_ethnicity[v] ? 1 : 0;
    if (r.caption_gender >= 0 && r.gender >= 0) {
      ++compared;
      if (r.caption_gender == r.gender) ++agree;
    }
  }
  const uint64_t readable = s.items - s.unreadable;
  if (readable > 0) s.metrics["face_share"] = Share(s.with_face, readable);
  if (s.gender[0] + s.gender[1] > 0) {
    s.metrics["gender_imbalance"] = GenderImbalance(s.gender[1], s.gender[0] + s.gender[1]);
  }
  uint64_t toned = 0;
  for (uint64_t m : s.monk) toned += m;
  if (toned > 0) {
    s.metrics["skin_tone_imbalance"] = SkinToneImbalance({s.monk.begin(), s.monk.end()});
  }
  if (s.captioned > 0)
    s.metrics["captions_with_people"] = Share(s.captions_with_people, s.captioned);
  if (compared > 0) s.metrics["caption_gender_agreement"] = Share(agree, compared);
  return s;
}

}  // namespace depict::audit
