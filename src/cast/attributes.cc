#include "cast/attributes.h"

namespace depict::cast {
namespace {

constexpr std::array<std::string_view, 2> kGenderNames = {"man", "woman"};
constexpr std::array<std::string_view, 9> kEthnicityNames = {
    "white",          "black",  "east_asian", "south_asian",     "southeast_asian",
    "middle_eastern", "latino", "indigenous", "pacific_islander"};
constexpr std::array<std::string_view, 4> kAgeNames = {"child", "teen", "adult", "elderly"};

}  // namespace

int ValueCount(Dim d) {
  switch (d) {
    case Dim::kGender:
      return static_cast<int>(kGenderNames.size());
    case Dim::kEthnicity:
      return static_cast<int>(kEthnicityNames.size());
    case Dim::kAge:
      return static_cast<int>(kAgeNames.size());
  }
  return 0;
}

std::string_view DimName(Dim d) {
  switch (d) {
    case Dim::kGender:
      return "gender";
    case Dim::kEthnicity:
      return "ethnicity";
    case Dim::kAge:
      return "age";
  }
  return "";
}

std::string_view ValueName(Dim d, int value) {
  if (value < 0 || value >= ValueCount(d)) return "";
  switch (d) {
    case Dim::kGender:
      return kGenderNames[value];
    case Dim::kEthnicity:
      return kEthnicityNames[value];
    case Dim::kAge:
      return kAgeNames[value];
  }
  return "";
}

int ParseValue(Dim d, std::string_view name) {
  for (int v = 0; v < ValueCount(d); ++v) {
    if (ValueName(d, v) == name) return v;
  }
  return -1;
}

int CountValues(ValueSet s) { return __builtin_popcount(s); }

int SingleValue(ValueSet s) { return CountValues(s) == 1 ? __builtin_ctz(s) : -1; }

std::string_view SourceName(Source s) {
  switch (s) {
    case Source::kOpen:
      return "open";
    case Source::kExplicit:
      return "explicit";
    case Source::kIdentity:
      return "identity";
    case Source::kContext:
      return "context";
  }
  return "";
}

}  // namespace depict::cast
