// Splits a prompt into tokens with byte offsets and a normalised (lowercase, accent-folded) form.
#ifndef DEPICT_TEXT_LEXER_H_
#define DEPICT_TEXT_LEXER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace depict::text {

enum class TokenKind : uint8_t {
  kWord,    // letters; inner apostrophes are dropped from the normalised form ("obrien")
  kNumber,  // starts with a digit or an apostrophe before a digit ("1870", "1960s", "'60s", "16th")
  kPunct,   // one punctuation character
};

struct Token {
  TokenKind kind = TokenKind::kWord;
  uint32_t start = 0;  // byte offset of the token in the prompt
  uint32_t end = 0;    // one past its last byte (a possessive "'s" is not included)
  uint32_t norm_offset = 0;
  uint32_t norm_length = 0;
  bool capitalized = false;   // first letter is uppercase ("Napoleon", "NASA")
  bool all_caps = false;      // two or more letters, all uppercase ("NASA", "SS")
  bool hyphen_after = false;  // joined to the next token by a hyphen ("white-collar")
  bool possessive = false;    // followed by "'s" or, after a final s, by "'" ("soldiers'")
};

// Tokens of one prompt. Normalised forms live in one buffer, so lexing allocates twice at most.
class TokenList {
 public:
  const std::vector<Token>& tokens() const { return tokens_; }
  size_t size() const { return tokens_.size(); }
  const Token& operator[](size_t i) const { return tokens_[i]; }
  std::string_view norm(size_t i) const {
    return std::string_view(norm_).substr(tokens_[i].norm_offset, tokens_[i].norm_length);
  }
  bool IsWord(size_t i) const { return i < tokens_.size() && tokens_[i].kind != TokenKind::kPunct; }
  bool IsPunct(size_t i) const {
    return i < tokens_.size() && tokens_[i].kind == TokenKind::kPunct;
  }

 private:
  friend TokenList Lex(std::string_view prompt);
  friend bool SplitNumberWord(std::string_view s, TokenList& list, const Token& t);
  std::string norm_;
  std::vector<Token> tokens_;
};

// Lexes valid UTF-8 text (check with FindInvalidUtf8 first). Never fails.
TokenList Lex(std::string_view prompt);

// The word of a booru count tag ("1girl", "2boys": digits glued to girl(s) or boy(s)), which
// names characters by sex, not by age; the planner and the gate both read such tags.
bool IsCountTagNoun(std::string_view word);

}  // namespace depict::text

#endif  // DEPICT_TEXT_LEXER_H_
