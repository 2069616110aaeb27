// The casting planner: prompt -> people -> decisions -> safety -> per-image casts and prompts.
#ifndef DEPICT_PLAN_PLANNER_H_
#define DEPICT_PLAN_PLANNER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cast/cast.h"
#include "lang/language.h"
#include "plan/tables.h"
#include "safety/gate.h"

namespace depict::plan {

constexpr size_t kMaxPromptBytes = 4000;
constexpr int kMaxImages = 1000;
// People cast over all images of one plan (a group counts each member): bounds a plan's output.
constexpr uint64_t kMaxCastMembers = 50000;

// A prompt the planner will not read: empty, blank, too long, invalid UTF-8 or with NUL bytes.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Options {
  int images = 1;
  uint64_t seed = 0;
};

struct Plan {
  std::string prompt;  // as given; people's offsets index it, their `text` is as normalised
  lang::Language language = lang::Language::kEn;
  std::string reading;  // the English reading the planner and the gate read (other languages)
  // What follows "Negative prompt:" in a prompt pasted with A1111's parameters: what the image
  // must not show, so neither planned nor gated, and no part of the images' prompts.
  std::string negative_prompt;
  std::optional<safety::Refusal> refusal;  // set: the prompt is refused and has no images
  std::vector<cast::Person> people;
  std::vector<cast::ImageCast> images;
  std::shared_ptr<const Tables> tables;  // the set this plan was made with
};

// Throws InputError if the planner must not read `prompt`.
void CheckPrompt(std::string_view prompt);

// Thread-safe. Plan() takes a snapshot of the current tables, so a plan that is running when
// Reload() swaps in a new set finishes on the old one.
class Planner {
 public:
  explicit Planner(std::shared_ptr<const Tables> tables);

  Plan Run(std::string_view prompt, const Options& options) const;

  // Loads and validates a new set from `dir` ("" = embedded) and swaps it in atomically.
  // On any error the current set stays and the error is thrown (text::TableError or
  // std::runtime_error).
  void Reload(const std::string& dir, const std::string& target_file = "");
  void Reload(std::shared_ptr<const Tables> tables);

  std::shared_ptr<const Tables> tables() const;

 private:
  mutable std::mutex mu_;  // guards tables_ (the pointer, not the immutable tables)
  std::shared_ptr<const Tables> tables_;
};

}  // namespace depict::plan

#endif  // DEPICT_PLAN_PLANNER_H_
