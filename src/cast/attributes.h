// The three attributes the planner decides for every person, their values and value sets.
#ifndef DEPICT_CAST_ATTRIBUTES_H_
#define DEPICT_CAST_ATTRIBUTES_H_

#include <array>
#include <cstdint>
#include <string_view>

namespace depict::cast {

enum class Dim : uint8_t { kGender = 0, kEthnicity = 1, kAge = 2 };
constexpr std::array<Dim, 3> kDims = {Dim::kGender, Dim::kEthnicity, Dim::kAge};

// Values of a dimension are small integers; a set of them is a bit mask.
using ValueSet = uint16_t;

constexpr int kMan = 0, kWoman = 1;
constexpr int kChild = 0, kTeen = 1, kAdult = 2, kElderly = 3;

int ValueCount(Dim d);
std::string_view DimName(Dim d);
std::string_view ValueName(Dim d, int value);
// Returns the value named `name` in dimension `d`, or -1.
int ParseValue(Dim d, std::string_view name);
inline ValueSet AllValues(Dim d) { return static_cast<ValueSet>((1u << ValueCount(d)) - 1); }
inline ValueSet Bit(int value) { return static_cast<ValueSet>(1u << value); }
inline bool Has(ValueSet s, int value) { return (s >> value) & 1u; }
int CountValues(ValueSet s);
// The only value in `s`, or -1 if `s` holds none or several.
int SingleValue(ValueSet s);

// Where a decision comes from (see README: "How depict casts a prompt").
enum class Source : uint8_t {
  kOpen,      // nothing fixes it: varied across the batch
  kExplicit,  // the prompt states it
  kIdentity,  // a named person, drawn as themselves
  kContext,   // fixed by era, place, institution or role
};
std::string_view SourceName(Source s);

// Years; negative is BC. kNow stands for "up to the present".
constexpr int kNow = 9999;
struct Era {
  int from = 0;
  int to = 0;
  bool known() const { return from != 0 || to != 0; }
  int midpoint() const { return from + (to - from) / 2; }
};

}  // namespace depict::cast

#endif  // DEPICT_CAST_ATTRIBUTES_H_
