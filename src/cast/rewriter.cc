#include "cast/rewriter.h"

#include <algorithm>
#include <cctype>

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

// The noun for a cast member: "girl", "elderly man" when the age was open too; when the prompt
// already gave the age ("an elderly patient") only "man"/"woman" or "boy"/"girl" is added.
int NounAge(const Person& p, int age) {
  if (age < 0) return kAdult;
  if (IsOpen(p, Dim::kAge)) return age;
  return age == kChild || age == kTeen ? kChild : kAdult;
}

// "Black woman", "elderly East Asian man": one member's open attributes, without an article.
std::string Describe(const Knowledge& k, const Person& p, const Member& m, bool plural) {
  const Labels& labels = k.labels();
  const int g = m.values[static_cast<int>(Dim::kGender)];
  const int e = m.values[static_cast<int>(Dim::kEthnicity)];
  const int a = m.values[static_cast<int>(Dim::kAge)];
  const int gi = g < 0 ? 0 : g;
  const auto& nouns = plural ? labels.person_plural : labels.person;
  std::string words;
  const auto add = [&words](const std::string& w) {
    if (w.empty()) return;
    if (!words.empty()) words.push_back(' ');
    words += w;
  };
  const bool age_open = IsOpen(p, Dim::kAge) && a >= 0 && a != kAdult;
  if (IsOpen(p, Dim::kGender) && g >= 0) {
    if (IsOpen(p, Dim::kEthnicity) && e >= 0) add(labels.ethnicity[e][gi]);
    add(nouns[NounAge(p, a)][g]);
  } else {
    if (age_open) add(labels.age_adjective[a]);
    if (IsOpen(p, Dim::kEthnicity) && e >= 0) add(labels.ethnicity[e][gi]);
    if (!words.empty()) add(nouns[NounAge(p, a)][gi]);  // "two Black girls", not "women"
  }
  return words;
}

// "a Black woman, two white men and an East Asian woman": members with the same description
// are counted rather than repeated.
std::string DescribeMembers(const Knowledge& k, const Person& p, const std::vector<Member>& ms) {
  static constexpr const char* kNumbers[] = {"",     "one",    "two",   "three", "four",
                                             "five", "six",    "seven", "eight", "nine",
                                             "ten",  "eleven", "twelve"};
  std::vector<std::pair<std::string, int>> counts;  // description -> count, in first-seen order
  std::vector<const Member*> first;
  for (const Member& m : ms) {
    std::string d = Describe(k, p, m, false);
    if (d.empty()) continue;
    auto it =
        std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == d; });
    if (it == counts.end()) {
      counts.emplace_back(std::move(d), 1);
      first.push_back(&m);
    } else {
      ++it->second;
    }
  }
  std::string out;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (i > 0) out += i + 1 == counts.size() ? " and " : ", ";
    const int n = counts[i].second;
    if (n == 1) {
      out += (StartsWithVowelSound(counts[i].first) ? "an " : "a ") + counts[i].first;
    } else {
      out += (n < 13 ? std::string(kNumbers[n]) : std::to_string(n)) + " " +
             Describe(k, p, *first[i], true);
    }
  }
  return out;
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
      const std::string described = DescribeMembers(k, person, members);
      if (described.empty()) continue;
      const std::string list = ", including " + described;
      // The list closes with a comma unless the prompt puts one there: "two boys, including a
      // Black boy and a white boy, at the gym"; "2boys, including ..., gym".
      size_t next = person.end;
      while (next < prompt.size() && prompt[next] == ' ') ++next;
      const bool closed = next >= prompt.size() || prompt[next] == ',';
      edits.push_back({person.end, 0, closed ? list : list + ","});
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
      if (g >= 0) after += " " + labels.person[NounAge(person, a)][g];
      if (!after.empty() && (IsOpen(person, Dim::kEthnicity) || IsOpen(person, Dim::kGender))) {
        edits.push_back({person.end, 0, after});
      }
      continue;
    }
    if (IsOpen(person, Dim::kGender) && g >= 0) {
      // Ethnicity and gender go together right before the head: "an elderly Black man patient".
      const std::string noun = before + labels.person[NounAge(person, a)][g];
      before.clear();
      if (person.generic_head) {  // "a person reading" -> "a Black woman reading"
        edits.push_back({person.head_start, person.head_end - person.head_start, noun});
      } else if (person.insert_start < person.start) {
        // A place or institution leads the phrase: "a Black woman US senator".
        edits.push_back({person.insert_start, 0, noun + " "});
      } else {
        edits.push_back({person.head_start, 0, noun + " "});
      }
    }
    if (!before.empty()) edits.push_back({person.insert_start, 0, before});
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
    // "1girl" -> "1 Latina girl": keep inserted words apart from a glued number.
    if (!edit.insert.empty() && !out.empty() &&
        std::isalnum(static_cast<unsigned char>(out.back())) &&
        std::isalnum(static_cast<unsigned char>(edit.insert.front()))) {
      out.push_back(' ');
    }
    out += edit.insert;
    pos = edit.at + edit.remove;
  }
  out.append(prompt.substr(pos));
  return out;
}

}  // namespace depict::cast
