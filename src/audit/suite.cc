#include "audit/suite.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

namespace depict {
const std::map<std::string, std::string_view>& EmbeddedSuites();
}  // namespace depict

namespace depict::audit {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxSuiteBytes = 64u << 20;

cast::Source ParseSource(const std::string& name, const std::string& where) {
  for (cast::Source s : {cast::Source::kOpen, cast::Source::kExplicit, cast::Source::kIdentity,
                         cast::Source::kContext}) {
    if (cast::SourceName(s) == name) return s;
  }
  throw SuiteError(where + ": unknown source \"" + name + "\"");
}

Expectation ParseExpectation(cast::Dim dim, const Json& j, const std::string& where) {
  Expectation e;
  e.present = true;
  if (!j.is_object())
    throw SuiteError(where + ": " + std::string(cast::DimName(dim)) + " must be an object");
  if (j.contains("sources")) {
    for (const Json& s : j.at("sources"))
      e.sources.push_back(ParseSource(s.get<std::string>(), where));
  }
  if (j.contains("values")) {
    for (const Json& v : j.at("values")) {
      const int value = cast::ParseValue(dim, v.get<std::string>());
      if (value < 0) {
        throw SuiteError(where + ": unknown " + std::string(cast::DimName(dim)) + " value \"" +
                         v.get<std::string>() + "\"");
      }
      e.values |= cast::Bit(value);
    }
  }
  if (j.contains("min_distinct")) {
    const Json& m = j.at("min_distinct");
    if (!m.is_number_integer() || m.get<int64_t>() < 0 || m.get<int64_t>() > 1000) {
      throw SuiteError(where + ": min_distinct must be a whole number from 0 to 1000");
    }
    e.min_distinct = static_cast<int>(m.get<int64_t>());
  }
  return e;
}

Case ParseCase(const std::string& suite, const Json& j, const std::string& where) {
  Case c;
  c.suite = suite;
  c.id = j.value("id", "");
  c.prompt = j.at("prompt").get<std::string>();
  if (c.id.empty()) c.id = where;
  const Json expect = j.value("expect", Json::object());
  if (expect.contains("decision")) {
    const std::string d = expect.at("decision").get<std::string>();
    if (d != "refuse" && d != "generate") throw SuiteError(where + ": decision \"" + d + "\"");
    c.refuse = d == "refuse";
  }
  for (const Json& cat : expect.value("categories", Json::array())) {
    c.categories.push_back(cat.get<std::string>());
  }
  for (const Json& p : expect.value("persons", Json::array())) {
    ExpectedPerson person;
    person.match = p.value("match", "*");
    std::transform(person.match.begin(), person.match.end(), person.match.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (p.contains("named")) person.named = p.at("named").get<bool>();
    for (cast::Dim d : cast::kDims) {
      const std::string key(cast::DimName(d));
      if (p.contains(key)) {
        person.attributes[static_cast<int>(d)] = ParseExpectation(d, p.at(key), where);
      }
    }
    c.persons.push_back(std::move(person));
  }
  return c;
}

}  // namespace

bool Expectation::fixed() const {
  if (!present || values == 0) return false;
  return sources.empty() || std::any_of(sources.begin(), sources.end(),
                                        [](cast::Source s) { return s != cast::Source::kOpen; });
}

bool Expectation::explicit_only() const {
  return fixed() && !sources.empty() &&
         std::all_of(sources.begin(), sources.end(),
                     [](cast::Source s) { return s == cast::Source::kExplicit; });
}

std::vector<Case> ParseSuite(const std::string& name, const std::string& text) {
  std::vector<Case> cases;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = name + ":" + std::to_string(number);
    try {
      cases.push_back(ParseCase(name, Json::parse(line), where));
    } catch (const Json::exception& e) {
      throw SuiteError(where + ": " + e.what());
    }
  }
  if (cases.empty()) throw SuiteError(name + ": no cases");
  return cases;
}

std::vector<Case> LoadSuite(const std::string& spec) {
  const auto& shipped = EmbeddedSuites();
  if (const auto it = shipped.find(spec + ".jsonl"); it != shipped.end()) {
    return ParseSuite(spec, std::string(it->second));
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(spec, ec)) {
    std::string names;
    for (const std::string& n : ShippedSuites()) names += (names.empty() ? "" : ", ") + n;
    throw SuiteError("no suite file \"" + spec + "\" and no shipped suite of that name (" + names +
                     ")");
  }
  if (std::filesystem::file_size(spec, ec) > kMaxSuiteBytes) {
    throw SuiteError(spec + ": larger than 64 MiB");
  }
  std::ifstream file(spec, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  std::string name = std::filesystem::path(spec).stem().string();
  return ParseSuite(name, text.str());
}

std::vector<std::string> ShippedSuites() {
  std::vector<std::string> names;
  for (const auto& [file, text] : EmbeddedSuites()) {
    if (file.ends_with(".jsonl")) names.push_back(file.substr(0, file.size() - 6));
  }
  return names;
}

}  // namespace depict::audit
