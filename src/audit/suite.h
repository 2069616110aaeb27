// An audit suite: prompts and what a right answer must show, in the JSON Lines form the
// project's test suites use (tests/suites/README.md), so one file serves `check_plan.py` and
// `depict audit`. The suites shipped in data/suites/ are compiled in and found by name.
#ifndef DEPICT_AUDIT_SUITE_H_
#define DEPICT_AUDIT_SUITE_H_

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cast/attributes.h"

namespace depict::audit {

// A suite that cannot be read: the file and line, and what is wrong.
class SuiteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What one attribute of one expected person must be.
struct Expectation {
  bool present = false;
  std::vector<cast::Source> sources;  // empty: any
  cast::ValueSet values = 0;          // 0: not stated
  int min_distinct = 0;               // > 0: an open attribute that must vary across images
  bool fixed() const;                 // values stated and the sources are not only "open"
  bool explicit_only() const;         // fixed by the prompt's own words, nothing else
};

struct ExpectedPerson {
  std::string match;  // lower case; "*" or "" matches anyone
  std::optional<bool> named;
  std::array<Expectation, 3> attributes;  // indexed by cast::Dim
};

struct Case {
  std::string suite;  // the suite's name
  std::string id;
  std::string prompt;
  std::optional<bool> refuse;           // the expected decision, when the case states one
  std::vector<std::string> categories;  // accepted refusal categories
  std::vector<ExpectedPerson> persons;
};

// Reads a suite from JSON Lines text; `name` labels its cases and its errors.
std::vector<Case> ParseSuite(const std::string& name, const std::string& text);

// `spec` is a file path or the name of a shipped suite ("occupations"). Throws SuiteError.
std::vector<Case> LoadSuite(const std::string& spec);

// The names of the suites compiled in, sorted.
std::vector<std::string> ShippedSuites();

}  // namespace depict::audit

#endif  // DEPICT_AUDIT_SUITE_H_
