#include "plan/tables.h"

#include <filesystem>
#include <map>
#include <string_view>

#include "io/file.h"
#include "text/lemmatizer.h"
#include "text/tsv.h"

namespace depict {
const std::map<std::string, std::string_view>& EmbeddedTables();
}

namespace depict::plan {
namespace {

// Tables may grow to imported datasets; a target is a few lines of JSON.
constexpr uint64_t kMaxTableFileBytes = 64ull << 20;
constexpr uint64_t kMaxTargetFileBytes = 1ull << 20;

}  // namespace

std::shared_ptr<const Tables> LoadTables(const std::string& dir, const std::string& target_file) {
  cast::TableFiles files;
  if (dir.empty()) {
    for (const auto& [name, content] : EmbeddedTables()) files[name] = std::string(content);
  } else {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw std::runtime_error(dir + ": not a tables directory");
    for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
      const auto ext = e.path().extension();
      const std::string name = fs::relative(e.path(), dir).generic_string();
      if (name.rfind("lang/", 0) == 0) continue;  // the language front end's lexicons
      if (e.is_regular_file() && (ext == ".tsv" || ext == ".json")) {
        files[name] = io::ReadRegularFile(e.path().string(), kMaxTableFileBytes, "table");
      }
    }
    if (ec) throw std::runtime_error(dir + ": " + ec.message());
  }
  if (!target_file.empty()) {
    files["cast/target.json"] =
        io::ReadRegularFile(target_file, kMaxTargetFileBytes, "target distribution");
  }
  auto knowledge =
      cast::Knowledge::Load(files, target_file.empty() ? "cast/target.json" : target_file);
  const auto file = [&](const std::string& name) -> const std::string& {
    const auto it = files.find(name);
    if (it == files.end()) throw text::TableError(name + ": table file is missing");
    return it->second;
  };
  auto lemmatizer =
      text::Lemmatizer::Load("lexicon/morphology.tsv", file("lexicon/morphology.tsv"));
  auto tables = std::make_shared<Tables>();
  tables->knowledge = std::move(knowledge);
  tables->rules = safety::Rules::Load("safety/rules.tsv", file("safety/rules.tsv"),
                                      "safety/wordnet_synonyms.tsv",
                                      file("safety/wordnet_synonyms.tsv"), std::move(lemmatizer));
  tables->lexicons = lang::Lexicons::Embedded();
  tables->origin = dir.empty() ? "embedded" : dir;
  return tables;
}

}  // namespace depict::plan
