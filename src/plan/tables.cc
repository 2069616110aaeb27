#include "plan/tables.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>

#include "text/tsv.h"

namespace depict {
const std::map<std::string, std::string_view>& EmbeddedTables();
}

namespace depict::plan {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

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
      if (e.is_regular_file() && (ext == ".tsv" || ext == ".json")) {
        files[fs::relative(e.path(), dir).generic_string()] = ReadFile(e.path());
      }
    }
    if (ec) throw std::runtime_error(dir + ": " + ec.message());
  }
  if (!target_file.empty()) files["cast/target.json"] = ReadFile(target_file);
  auto knowledge = cast::Knowledge::Load(files);
  const auto rules_it = files.find("safety/rules.tsv");
  if (rules_it == files.end()) throw text::TableError("safety/rules.tsv: table file is missing");
  auto tables = std::make_shared<Tables>();
  tables->knowledge = std::move(knowledge);
  tables->rules = safety::Rules::Load("safety/rules.tsv", rules_it->second);
  tables->origin = dir.empty() ? "embedded" : dir;
  return tables;
}

}  // namespace depict::plan
