// Image mode: what the inspector perceived in each image, as the casts a plan would have given.
// Faces are told apart only where the prompt shows one person: then the largest face is that
// person. With several people nothing is attributed (each is reported as not seen), since a
// face cannot be matched to a phrase of the prompt.
#ifndef DEPICT_AUDIT_OBSERVE_H_
#define DEPICT_AUDIT_OBSERVE_H_

#include <vector>

#include "audit/score.h"
#include "plan/planner.h"
#include "vision/inspect.h"

namespace depict::audit {

// What the audit reads of an image: faces (the NSFW classes enter no figure, and cost as much
// again).
vision::InspectOptions FacesOnly();

// Perceived age in years -> the planner's age values: under 13 child, 13-17 teen, 18-64 adult,
// 65 and over elderly (face-api's mean error is 4.5 years, larger for children).
int AgeValue(double years);

// Each inspection as an image cast of `plan`'s people: perceived gender and age of the one
// person shown, ethnicity never (no perceived-group estimator ships yet), and the Monk tone.
Observed Observe(const plan::Plan& plan, const std::vector<vision::InspectResult>& inspections);

}  // namespace depict::audit

#endif  // DEPICT_AUDIT_OBSERVE_H_
