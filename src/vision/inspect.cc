#include "vision/inspect.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "vision/nsfw.h"
#include "vision/ssd.h"

namespace depict::vision {
namespace {

// face-api's Box.clipAtImageBorders: clipped to the image, then each of x, y, width and height
// floored. Returns false when nothing is left.
bool ClipFloor(const Box& box, int width, int height, int* x, int* y, int* w, int* h) {
  const double cx = std::max(box.x, 0.0), cy = std::max(box.y, 0.0);
  const double cw = std::min(box.right() - cx, width - cx);
  const double ch = std::min(box.bottom() - cy, height - cy);
  *x = static_cast<int>(std::floor(cx));
  *y = static_cast<int>(std::floor(cy));
  *w = static_cast<int>(std::floor(cw));
  *h = static_cast<int>(std::floor(ch));
  // Flooring x and width separately can reach one pixel past the edge; keep the crop inside.
  *w = std::min(*w, width - *x);
  *h = std::min(*h, height - *y);
  return *w > 0 && *h > 0;
}

}  // namespace

struct Inspector::Models {
  std::optional<TinyFaceDetector> tiny;
  std::optional<SsdFaceDetector> ssd;
  std::optional<FaceLandmarkNet> landmarks;
  std::optional<AgeGenderNet> age_gender;
  std::optional<NsfwClassifier> nsfw;
};

Inspector::Inspector(const std::filesystem::path& models_dir, Load load) : models_(new Models) {
  const std::filesystem::path face_api = models_dir / "face-api";
  if (load.tiny) models_->tiny.emplace(face_api);
  if (load.ssd) models_->ssd.emplace(face_api);
  if (load.faces) {
    models_->landmarks.emplace(face_api);
    models_->age_gender.emplace(face_api);
  }
  if (load.nsfw) models_->nsfw.emplace(models_dir / "nsfwjs" / "mobilenet_v2");
  ReleaseUnusedMemory();  // the weight files' buffers, freed, would stay in the heap
}

Inspector::~Inspector() = default;

InspectResult Inspector::Inspect(const Image& image, const InspectOptions& options) const {
  InspectResult result;
  result.width = image.width;
  result.height = image.height;
  if (options.nsfw) {
    if (!models_->nsfw) throw std::logic_error("Inspector: NSFW model not loaded");
    result.nsfw = models_->nsfw->Classify(image);
    result.has_nsfw = true;
  }
  if (!options.faces) return result;
  std::vector<Detection> detections;
  if (options.detector == DetectorKind::kTiny) {
    if (!models_->tiny) throw std::logic_error("Inspector: tiny face detector not loaded");
    detections = models_->tiny->Detect(image, 416, 0.5);
  } else {
    if (!models_->ssd) throw std::logic_error("Inspector: SSD face detector not loaded");
    detections = models_->ssd->Detect(image, 0.5, 100);
  }
  if (!models_->landmarks || !models_->age_gender) {
    throw std::logic_error("Inspector: face models not loaded");
  }
  for (const Detection& det : detections) {
    if (det.box.width < options.min_face || det.box.height < options.min_face) continue;
    int x, y, w, h;
    if (!ClipFloor(det.box, image.width, image.height, &x, &y, &w, &h)) continue;
    FaceResult face;
    face.box = det.box;
    face.score = det.score;
    // Landmarks relative to the crop, placed at the detection box's own (unfloored) corner, as
    // face-api's extendWithFaceLandmarks.
    for (const Point& p : models_->landmarks->Forward(PixelSource(image, x, y, w, h))) {
      face.landmarks.push_back({p.x * w + det.box.x, p.y * h + det.box.y});
    }
    // face-api's alignMinBbox: the landmarks' bounding box (its maxima start at 0) grown by 20%.
    double min_x = INFINITY, min_y = INFINITY, max_x = 0, max_y = 0;
    for (const Point& p : face.landmarks) {
      min_x = std::min(min_x, p.x);
      min_y = std::min(min_y, p.y);
      max_x = std::max(max_x, p.x);
      max_y = std::max(max_y, p.y);
    }
    const double bw = max_x - min_x, bh = max_y - min_y;
    face.aligned = {min_x - bw * 0.2 / 2, min_y - bh * 0.2 / 2, bw * 1.2, bh * 1.2};
    int ax, ay, aw, ah;
    if (ClipFloor(face.aligned, image.width, image.height, &ax, &ay, &aw, &ah)) {
      const AgeGender ag = models_->age_gender->Forward(PixelSource(image, ax, ay, aw, ah));
      face.age = ag.age;
      face.gender = ag.male > 0.5f ? "male" : "female";
      face.gender_probability = ag.male > 0.5f ? ag.male : 1.0 - ag.male;
      face.has_age_gender = true;
    }
    face.skin = EstimateSkinTone(image, face.landmarks);
    result.faces.push_back(std::move(face));
  }
  ReleaseUnusedMemory();  // between images, hold only the models
  return result;
}

}  // namespace depict::vision
