#include "cast/rewriter.h"

#include <algorithm>

namespace depict::cast {
namespace {

struct Edit {
  uint32_t at = 0;
  uint32_t remove = 0;  // bytes of the prompt replaced
  std::string insert;
};

bool IsOpen(const Person& p, Dim d) {
  return p.attributes[static_cast<int>(d)].source == Source::kOpen;
}

bool StartsWithVowelSound(std::string_view s) {
  if (s.empty()) return false;
  const char c = static_cast<char>(s[0] | 0x20);
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

// "a Black woman", "an elderly East Asian man": one member's open attributes, with an article.
std::string Describe(const Knowledge& k, const Person& p, const Member& m) {
  const Labels& labels = k.labels();
  const int g = m.values[static_cast<int>(Dim::kGender)];
  const int e = m.values[static_cast<int>(Dim::kEthnicity)];
  const int a = m.values[static_cast<int>(Dim::kAge)];
  const int gi = g < 0 ? 0 : g;
  std::string words;
  const auto add = [&words](const std::string& w) {
    if (w.empty()) return;
    if (!words.empty()) words.push_back(' ');
    words += w;
  };
  const bool age_open = IsOpen(p, Dim::kAge) && a >= 0 && a != kAdult;
  if (IsOpen(p, Dim::kGender) && g >= 0) {
    if (IsOpen(p, Dim::kEthnicity) && e >= 0) add(labels.ethnicity[e][gi]);
    add(labels.person[a >= 0 ? a : kAdult][g]);  // "girl", "elderly man"
  } else {
    if (age_open) add(labels.age_adjective[a]);
    if (IsOpen(p, Dim::kEthnicity) && e >= 0) add(labels.ethnicity[e][gi]);
    if (!words.empty()) add(labels.person[kAdult][gi]);
  }
  if (words.empty()) return words;
  return (StartsWithVowelSound(words) ? "an " : "a ") + words;
}

}  // namespace

std::string Rewrite(const Knowledge& k, std::string_view prompt, const std::vector<Person>& people,
                    const ImageCast& image) {
  std::vector<Edit> edits;
  const Labels& labels = k.labels();
  for (size_t p = 0; p < people.size(); ++p) {
    const Person& person = people[p];
    if (person.named || p >= image.people.size() || image.people[p].empty()) continue;
    const bool any_open = IsOpen(person, Dim::kGender) || IsOpen(person, Dim::kEthnicity) ||
                          IsOpen(person, Dim::kAge);
    if (!any_open) continue;
    const std::vector<Member>& members = image.people[p];
    if (person.group || members.size() > 1) {
      // A family shares one ethnicity: "a Latino family". Other groups list their members.
      if (person.shared_ethnicity) {
        const int e = members[0].values[static_cast<int>(Dim::kEthnicity)];
        if (IsOpen(person, Dim::kEthnicity) && e >= 0) {
          edits.push_back({person.start, 0, labels.ethnicity[e][0] + " "});
        }
        continue;
      }
      std::vector<std::string> parts;
      for (const Member& m : members) {
        std::string d = Describe(k, person, m);
        if (!d.empty()) parts.push_back(std::move(d));
      }
      if (parts.empty()) continue;
      std::string list = ", including ";
      for (size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) list += i + 1 == parts.size() ? " and " : ", ";
        list += parts[i];
      }
      const bool at_end = person.end >= prompt.size();
      edits.push_back({person.end, 0, at_end ? list : list + ","});
      continue;
    }
    const Member& m = members[0];
    const int g = m.values[static_cast<int>(Dim::kGender)];
    const int e = m.values[static_cast<int>(Dim::kEthnicity)];
    const int a = m.values[static_cast<int>(Dim::kAge)];
    const int gi = g < 0 ? 0 : g;
    const bool age_word = IsOpen(person, Dim::kAge) && a >= 0 && a != kAdult;
    std::string before;  // at the start of the person's words
    if (age_word && !IsOpen(person, Dim::kGender)) before += labels.age_adjective[a] + " ";
    if (IsOpen(person, Dim::kEthnicity) && e >= 0) before += labels.ethnicity[e][gi] + " ";
    if (person.age_head) {
      // "a 9-year-old" -> "a 9-year-old Black girl"
      std::string after;
      if (IsOpen(person, Dim::kEthnicity) && e >= 0) after += " " + labels.ethnicity[e][gi];
      if (g >= 0) after += " " + labels.person[a >= 0 ? a : kAdult][g];
      if (!after.empty() && (IsOpen(person, Dim::kEthnicity) || IsOpen(person, Dim::kGender))) {
        edits.push_back({person.end, 0, after});
      }
      continue;
    }
    if (IsOpen(person, Dim::kGender) && g >= 0) {
      const std::string& noun = labels.person[a >= 0 ? a : kAdult][g];
      if (person.generic_head) {
        // "a person reading" -> "a Black woman reading"
        if (person.head_start == person.start) {
          edits.push_back({person.start, person.head_end - person.head_start, before + noun});
        } else {
          edits.push_back({person.start, 0, before});
          edits.push_back({person.head_start, person.head_end - person.head_start, noun});
        }
        before.clear();
      } else if (person.head_start == person.start) {
        before += noun + " ";
      } else {
        edits.push_back({person.head_start, 0, noun + " "});
      }
    }
    if (!before.empty()) edits.push_back({person.start, 0, before});
  }
  if (edits.empty()) return std::string(prompt);
  std::stable_sort(edits.begin(), edits.end(),
                   [](const Edit& x, const Edit& y) { return x.at < y.at; });
  std::string out;
  out.reserve(prompt.size() + 64);
  uint32_t pos = 0;
  for (const Edit& edit : edits) {
    if (edit.at < pos) continue;
    out.append(prompt.substr(pos, edit.at - pos));
    // Keep "a"/"an" right for the new first word: "an architect" -> "a Black man architect".
    if (!edit.insert.empty() && out.size() >= 2) {
      const bool an = StartsWithVowelSound(edit.insert);
      const size_t n = out.size();
      const auto is_boundary = [&](size_t i) {
        return i == 0 || out[i - 1] == ' ' || out[i - 1] == '(';
      };
      if (n >= 3 && out.compare(n - 3, 3, "an ") == 0 && is_boundary(n - 3) && !an) {
        out.replace(n - 3, 3, "a ");
      } else if (n >= 3 && out.compare(n - 3, 3, "An ") == 0 && is_boundary(n - 3) && !an) {
        out.replace(n - 3, 3, "A ");
      } else if (out.compare(n - 2, 2, "a ") == 0 && is_boundary(n - 2) && an) {
        out.replace(n - 2, 2, "an ");
      } else if (out.compare(n - 2, 2, "A ") == 0 && is_boundary(n - 2) && an) {
        out.replace(n - 2, 2, "An ");
      }
    }
    out += edit.insert;
    pos = edit.at + edit.remove;
  }
  out.append(prompt.substr(pos));
  return out;
}

}  // namespace depict::cast
