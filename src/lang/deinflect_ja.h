// Japanese verb and adjective endings read back to the dictionary form: "切り落とされた" (was cut
// off) -> "切り落とす", "飛び散ってる" (is scattering) -> "飛び散る", "撃たれて" -> "撃つ".
// JMdict lists dictionary forms only, and ICU's word breaks split conjugated verbs, so without
// this a conjugated verb is read as its characters' unrelated senses.
#ifndef DEPICT_LANG_DEINFLECT_JA_H_
#define DEPICT_LANG_DEINFLECT_JA_H_

#include <string>
#include <string_view>
#include <vector>

namespace depict::lang {

// The forms `word` may conjugate from, nearest first (one ending undone, then two, then
// three: passive + past, progressive + te-form...). Never `word` itself; empty when no ending
// applies. Candidates are grammar, not knowledge: the caller keeps those its dictionary lists.
std::vector<std::string> JapaneseBaseForms(std::string_view word);

}  // namespace depict::lang

#endif  // DEPICT_LANG_DEINFLECT_JA_H_
