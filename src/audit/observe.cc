#include "audit/observe.h"

namespace depict::audit {

vision::InspectOptions FacesOnly() {
  vision::InspectOptions options;
  options.nsfw = false;
  return options;
}

int AgeValue(double years) {
  if (years < 13) return cast::kChild;
  if (years < 18) return cast::kTeen;
  if (years < 65) return cast::kAdult;
  return cast::kElderly;
}

Observed Observe(const plan::Plan& plan, const std::vector<vision::InspectResult>& inspections) {
  Observed o;
  o.perceived = true;
  const bool one_person =
      plan.people.size() == 1 && plan.people[0].members <= 1 && !plan.people[0].group;
  for (const vision::InspectResult& inspection : inspections) {
    cast::ImageCast image;
    std::vector<std::vector<int>> tones;
    for (const cast::Person& p : plan.people) {
      image.people.emplace_back(static_cast<size_t>(std::max(1, p.members)));
      tones.emplace_back(static_cast<size_t>(std::max(1, p.members)), 0);
    }
    const vision::FaceResult* largest = nullptr;
    for (const vision::FaceResult& f : inspection.faces) {
      if (!largest || f.box.width * f.box.height > largest->box.width * largest->box.height) {
        largest = &f;
      }
    }
    if (one_person && largest) {
      cast::Member& m = image.people[0][0];
      if (largest->has_age_gender) {
        m.values[static_cast<int>(cast::Dim::kGender)] =
            static_cast<int8_t>(largest->gender == "female" ? cast::kWoman : cast::kMan);
        m.values[static_cast<int>(cast::Dim::kAge)] = static_cast<int8_t>(AgeValue(largest->age));
      }
      if (largest->skin.found) tones[0][0] = largest->skin.monk;
    }
    o.images.push_back(std::move(image));
    o.monk.push_back(std::move(tones));
  }
  return o;
}

}  // namespace depict::audit
