#include "plan/plan_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/planner_fixture.h"

namespace depict::plan {
namespace {

TEST(PlanJsonTest, EscapesStrings) {
  std::string out;
  AppendJsonString(out, "a \"quoted\" \\ line\nwith\ttab \x01 and caf\xC3\xA9");
  EXPECT_EQ(out, "\"a \\\"quoted\\\" \\\\ line\\nwith\\ttab \\u0001 and caf\xC3\xA9\"");
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(),
            "a \"quoted\" \\ line\nwith\ttab \x01 and caf\xC3\xA9");
}

TEST(PlanJsonTest, MatchesTheContract) {
  const Plan p = testing::PlanOf("a \"Black\" chemist with her daughter and Frida Kahlo", 3, 11);
  const auto j = nlohmann::json::parse(ToJson(p));
  EXPECT_EQ(j["prompt"], p.prompt);
  EXPECT_EQ(j["decision"], "generate");
  EXPECT_TRUE(j["refusal"].is_null());
  ASSERT_EQ(j["people"].size(), p.people.size());
  for (size_t i = 0; i < p.people.size(); ++i) {
    const auto& person = j["people"][i];
    const std::string text = person["text"];
    EXPECT_EQ(p.prompt.substr(person["start"],
                              person["end"].get<size_t>() - person["start"].get<size_t>()),
              text);
    for (const char* dim : {"gender", "ethnicity", "age"}) {
      EXPECT_TRUE(person["attributes"][dim]["source"].is_string());
      EXPECT_TRUE(person["attributes"][dim]["values"].is_array());
      EXPECT_TRUE(person["attributes"][dim]["reason"].is_string());
    }
  }
  ASSERT_EQ(j["images"].size(), 3u);
  EXPECT_EQ(j["images"][0]["seed"], 11);
  EXPECT_EQ(j["images"][0]["cast"].size(), p.people.size());
  EXPECT_TRUE(j["images"][0]["cast"][0].is_object());
}

TEST(PlanJsonTest, GroupsAreListsAndRefusalsHaveTriggers) {
  const auto crowd = nlohmann::json::parse(ToJson(testing::PlanOf("a crowd at a concert", 2)));
  EXPECT_TRUE(crowd["images"][0]["cast"][0].is_array());
  const auto refused = nlohmann::json::parse(ToJson(testing::PlanOf("Muslims portrayed as rats")));
  EXPECT_EQ(refused["decision"], "refuse");
  EXPECT_EQ(refused["refusal"]["category"], "hate");
  EXPECT_EQ(refused["refusal"]["triggers"].size(), 1u);
  EXPECT_EQ(refused["refusal"]["clause"], "HT-1");
  EXPECT_EQ(refused["refusal"]["act"], "Muslims portrayed as rats");
  EXPECT_EQ(nlohmann::json::parse(ErrorJson("bad \"x\""))["error"], "bad \"x\"");
}

}  // namespace
}  // namespace depict::plan
