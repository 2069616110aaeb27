#include "safety/rules.h"

#include <algorithm>

#include "text/lexer.h"
#include "text/tsv.h"

namespace depict::safety {
namespace {

bool IsCategory(std::string_view c) {
  return std::find(std::begin(kCategories), std::end(kCategories), c) != std::end(kCategories);
}

int BuiltinId(std::string_view name) {
  if (name == "@real_person") return kRealPerson;
  if (name == "@minor") return kMinor;
  if (name == "@extremist_person") return kExtremistPerson;
  return -1;
}

}  // namespace

const Rules::Entry* Rules::Find(std::string_view phrase) const {
  const auto it = phrases_.find(phrase);
  return it == phrases_.end() ? nullptr : &it->second;
}

const std::string& Rules::Message(std::string_view category) const {
  static const std::string kNone;
  const auto it = messages_.find(std::string(category));
  return it == messages_.end() ? kNone : it->second;
}

std::shared_ptr<const Rules> Rules::Load(std::string_view file, std::string_view content) {
  auto r = std::make_shared<Rules>();
  std::unordered_map<std::string, int> list_ids;
  for (const auto& row : text::ReadTsv(file, content, 3)) {
    const std::string_view kind = row.cells[0];
    const std::string name(row.cells[1]);
    if (kind == "list") {
      if (list_ids.count(name)) text::FailAt(file, row.line, "duplicate list '" + name + "'");
      const int id = static_cast<int>(r->list_names_.size());
      list_ids[name] = id;
      r->list_names_.push_back(name);
      for (std::string_view term : text::Split(row.cells[2], '|')) {
        bool prefix = false;
        if (term.ends_with('*')) {
          prefix = true;
          term.remove_suffix(1);
        }
        const text::TokenList tokens = text::Lex(term);
        if (tokens.size() == 0) text::FailAt(file, row.line, "empty term in list '" + name + "'");
        if (prefix && tokens.size() != 1) {
          text::FailAt(file, row.line, "a '*' term must be one word: '" + std::string(term) + "*'");
        }
        std::string key;
        for (size_t i = 0; i < tokens.size(); ++i) {
          if (!tokens.IsWord(i)) {
            text::FailAt(file, row.line, "term '" + std::string(term) + "' has punctuation");
          }
          if (i > 0) {
            r->phrases_[key].continues = true;
            key.push_back(' ');
          }
          key.append(tokens.norm(i));
        }
        r->max_words_ = std::max(r->max_words_, tokens.size());
        if (prefix) {
          r->prefixes_.emplace_back(key, id);
        } else {
          r->phrases_[key].terms.push_back({id, false});
        }
      }
    } else if (kind == "rule") {
      if (!IsCategory(name)) text::FailAt(file, row.line, "unknown category '" + name + "'");
      Rule rule;
      rule.category = name;
      rule.line = row.line;
      // "a & b ! c": every list before '!' must match, none after it.
      std::string_view spec = row.cells[2];
      const size_t bang = spec.find('!');
      const auto parse = [&](std::string_view part, char sep, std::vector<int>& out) {
        for (std::string_view n : text::Split(part, sep)) {
          if (n.starts_with('@')) {
            const int b = BuiltinId(n);
            if (b < 0) text::FailAt(file, row.line, "unknown builtin '" + std::string(n) + "'");
            out.push_back(-1 - b);
            continue;
          }
          const auto it = list_ids.find(std::string(n));
          if (it == list_ids.end()) {
            text::FailAt(file, row.line, "unknown list '" + std::string(n) + "' (define it above)");
          }
          out.push_back(it->second);
        }
      };
      parse(spec.substr(0, bang), '&', rule.required);
      if (bang != std::string_view::npos) parse(spec.substr(bang + 1), '!', rule.excluded);
      if (rule.required.empty()) text::FailAt(file, row.line, "a rule needs at least one list");
      r->rules_.push_back(std::move(rule));
    } else if (kind == "message") {
      if (!IsCategory(name)) text::FailAt(file, row.line, "unknown category '" + name + "'");
      r->messages_[name] = std::string(row.cells[2]);
    } else {
      text::FailAt(file, row.line, "first column must be list, rule or message");
    }
  }
  for (std::string_view c : kCategories) {
    if (r->Message(c).empty()) {
      throw text::TableError(std::string(file) + ": no message for category '" + std::string(c) +
                             "'");
    }
  }
  return r;
}

}  // namespace depict::safety
