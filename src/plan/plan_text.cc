#include "plan/plan_json.h"

namespace depict::plan {
namespace {

std::string Values(cast::Dim dim, cast::ValueSet values) {
  std::string out;
  for (int v = 0; v < cast::ValueCount(dim); ++v) {
    if (!cast::Has(values, v)) continue;
    if (!out.empty()) out += '|';
    out += cast::ValueName(dim, v);
  }
  return out;
}

std::string MemberText(const cast::Member& m) {
  std::string out;
  for (cast::Dim dim : cast::kDims) {
    const int v = m.values[static_cast<int>(dim)];
    if (v < 0) continue;
    if (!out.empty()) out += ' ';
    out += cast::ValueName(dim, v);
  }
  return out.empty() ? "as themselves" : out;
}

}  // namespace

std::string ToText(const Plan& plan, bool explain) {
  std::string out = "prompt: " + plan.prompt + "\n";
  if (plan.language != lang::Language::kEn) {
    out +=
        "language: " + std::string(lang::Code(plan.language)) + "\nreading: " + plan.reading + "\n";
  }
  if (!plan.negative_prompt.empty()) out += "negative prompt: " + plan.negative_prompt + "\n";
  if (plan.refusal) {
    out += "decision: refuse (" + plan.refusal->category + ")\n";
    out += "  " + plan.refusal->message + "\n  triggered by:";
    for (const std::string& t : plan.refusal->triggers) out += " '" + t + "'";
    out += "\n";
    if (explain) {
      // The policy clause, and what the rule saw: who is depicted and what is shown.
      out += "  clause: " + plan.refusal->clause + " (data/safety/POLICY.md)\n";
      if (!plan.refusal->person.empty())
        out += "  depicted person: '" + plan.refusal->person + "'\n";
      out += "  act: '" + plan.refusal->act + "'\n";
    }
    return out;
  }
  out += "decision: generate\n";
  if (plan.people.empty()) out += "people: none (the prompt is sent unchanged)\n";
  for (const cast::Person& p : plan.people) {
    out += "person: '" + p.text + "'";
    if (p.named) out += " (named: drawn as themselves)";
    if (p.group) out += " (group of " + std::to_string(p.members) + ")";
    out += "\n";
    if (p.named && !explain) continue;
    for (cast::Dim dim : cast::kDims) {
      const cast::Decision& d = p.attributes[static_cast<int>(dim)];
      out +=
          "  " + std::string(cast::DimName(dim)) + ": " + std::string(cast::SourceName(d.source));
      if (d.source != cast::Source::kOpen && d.values != 0) out += " " + Values(dim, d.values);
      if (explain) out += " - " + d.reason;
      out += "\n";
    }
  }
  for (size_t i = 0; i < plan.images.size(); ++i) {
    const cast::ImageCast& image = plan.images[i];
    out += "image " + std::to_string(i + 1) + " (seed " + std::to_string(image.seed) +
           "): " + image.prompt + "\n";
    if (plan.language != lang::Language::kEn) out += "  shown as: " + image.display_prompt + "\n";
    if (!explain) continue;
    for (size_t p = 0; p < image.people.size(); ++p) {
      out += "    " + plan.people[p].text + ":";
      for (const cast::Member& m : image.people[p]) out += " [" + MemberText(m) + "]";
      out += "\n";
    }
  }
  return out;
}

}  // namespace depict::plan
