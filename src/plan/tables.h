// The complete set of knowledge tables the planner runs on, loaded as one unit.
#ifndef DEPICT_PLAN_TABLES_H_
#define DEPICT_PLAN_TABLES_H_

#include <memory>
#include <string>

#include "cast/knowledge.h"
#include "lang/lexicon.h"
#include "safety/rules.h"

namespace depict::plan {

struct Tables {
  std::shared_ptr<const cast::Knowledge> knowledge;
  std::shared_ptr<const safety::Rules> rules;
  std::shared_ptr<const lang::Lexicons> lexicons;  // always the embedded ones
  std::string origin;                              // "embedded" or the directory loaded
};

// Loads and validates every table from `dir`, or from the copy embedded at build time when
// `dir` is empty. `target_file`, if not empty, replaces cast/target.json. Throws
// text::TableError (file and line) or std::runtime_error (unreadable files).
std::shared_ptr<const Tables> LoadTables(const std::string& dir,
                                         const std::string& target_file = "");

}  // namespace depict::plan

#endif  // DEPICT_PLAN_TABLES_H_
