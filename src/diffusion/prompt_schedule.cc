#include "diffusion/prompt_schedule.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>

namespace depict::diffusion {
namespace {

// The parsed prompt: text, edits and literal brackets.
struct Node;
using Nodes = std::vector<Node>;
struct Node {
  enum class Kind { kText, kScheduled, kAlternate, kGroup } kind = Kind::kText;
  std::string text;          // kText; kGroup: the opening bracket
  std::string close;         // kGroup: the closing bracket (and ":weight" parts are children)
  std::vector<Nodes> parts;  // kScheduled: before, after; kAlternate: options; kGroup: one
  bool has_before = false;   // kScheduled
  int when = 0;              // kScheduled: the step, capped
};

// lark's SIGNED_NUMBER ([+-] then digits with an optional fraction, or a fraction alone, then
// an optional exponent), with whitespace around it allowed.
std::optional<int> When(const std::string& text, int steps) {
  size_t b = text.find_first_not_of(" \t\n\r\f\v");
  const size_t e = text.find_last_not_of(" \t\n\r\f\v");
  if (b == std::string::npos) return std::nullopt;
  const std::string number = text.substr(b, e - b + 1);
  size_t i = 0;
  const auto digits = [&number, &i] {
    const size_t from = i;
    while (i < number.size() && number[i] >= '0' && number[i] <= '9') ++i;
    return i > from;
  };
  if (i < number.size() && (number[i] == '+' || number[i] == '-')) ++i;
  const bool whole = digits();
  bool fraction = false;
  if (i < number.size() && number[i] == '.') {
    ++i;
    fraction = digits();
  }
  if (!whole && !fraction) return std::nullopt;
  if (i < number.size() && (number[i] == 'e' || number[i] == 'E')) {
    ++i;
    if (i < number.size() && (number[i] == '+' || number[i] == '-')) ++i;
    if (!digits()) return std::nullopt;
  }
  if (i != number.size()) return std::nullopt;
  double v = std::strtod(number.c_str(), nullptr);
  if (number.find('.') != std::string::npos) v *= steps;  // a fraction of the steps
  if (!std::isfinite(v)) return std::nullopt;
  v = std::min<double>(steps, std::trunc(v));
  return static_cast<int>(std::max<double>(v, -1.0));
}

class Parser {
 public:
  Parser(std::string_view text, int steps) : s_(text), steps_(steps) {}

  // The whole prompt; stray closing brackets and ":" are text at the top level.
  Nodes Top() {
    Nodes out;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '[' || c == '(') {
        out.push_back(Bracket());
      } else if (c == ']' || c == ')' || c == ':' || c == '|') {
        if (c == '|') unparsable_ = true;
        Text(out, std::string(1, c));
        ++i_;
      } else {
        Text(out, Plain());
      }
    }
    return out;
  }
  bool unparsable() const { return unparsable_; }

 private:
  static void Text(Nodes& out, const std::string& text) {
    if (!out.empty() && out.back().kind == Node::Kind::kText) {
      out.back().text += text;
    } else {
      out.push_back({Node::Kind::kText, text, "", {}, false, 0});
    }
  }

  // Plain text up to the next bracket, ":" or "|"; a backslash keeps the next character.
  std::string Plain() {
    std::string out;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\\' && i_ + 1 < s_.size()) {
        out += s_.substr(i_, 2);
        i_ += 2;
        continue;
      }
      if (c == '[' || c == ']' || c == '(' || c == ')' || c == ':' || c == '|') break;
      out += c;
      ++i_;
    }
    if (out.empty()) out += s_[i_++];  // a lone trailing backslash
    return out;
  }

  // Inside brackets: parts separated by ":" or "|" at this level, up to `close`. Returns
  // false (and leaves i_ where it was) when the bracket does not close properly.
  bool Inner(char close, std::vector<Nodes>& parts, std::string& separators) {
    parts.assign(1, Nodes());
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == close) {
        ++i_;
        return true;
      }
      if (c == ':' || c == '|') {
        separators += c;
        parts.emplace_back();
        ++i_;
      } else if (c == '[' || c == '(') {
        parts.back().push_back(Bracket());
      } else if (c == ']' || c == ')') {
        return false;  // the other kind of bracket closes here: not well formed
      } else {
        Text(parts.back(), Plain());
      }
    }
    return false;
  }

  static std::string Flat(const Nodes& nodes) {
    std::string out;
    for (const Node& n : nodes) {
      if (n.kind != Node::Kind::kText) return "\x01";  // not a plain number
      out += n.text;
    }
    return out;
  }

  Node Bracket() {
    const size_t start = i_;
    // A bracket that failed once fails again: without this, failing brackets inside failing
    // brackets are retried exponentially often ("[[[[...").
    if (failed_.count(start) != 0) {
      ++i_;
      return {Node::Kind::kText, std::string(1, s_[start]), "", {}, false, 0};
    }
    const char open = s_[i_++];
    const char close = open == '[' ? ']' : ')';
    std::vector<Nodes> parts;
    std::string separators;
    // Deeper nesting than any prompt needs is text: the recursion stays bounded.
    ++depth_;
    const bool closed = depth_ <= kMaxDepth && Inner(close, parts, separators);
    --depth_;
    if (closed) {
      const bool colons = separators.find('|') == std::string::npos;
      const bool bars = separators.find(':') == std::string::npos;
      if (open == '[' && colons && (separators.size() == 1 || separators.size() == 2)) {
        if (const auto when = When(Flat(parts.back()), steps_)) {
          Node n;
          n.kind = Node::Kind::kScheduled;
          n.has_before = separators.size() == 2;
          n.parts = n.has_before ? std::vector<Nodes>{parts[0], parts[1]}
                                 : std::vector<Nodes>{Nodes(), parts[0]};
          n.when = *when;
          if (*when >= 1) steps_seen_.insert(*when);
          return n;
        }
      }
      if (open == '[' && bars && !separators.empty()) {
        Node n;
        n.kind = Node::Kind::kAlternate;
        n.parts = std::move(parts);
        alternates_ = true;
        return n;
      }
      // An attention group: "(text)", "(text:weight)", "[text]" stay as they are.
      if (separators.empty() || (open == '(' && separators == ":")) {
        Node n;
        n.kind = Node::Kind::kGroup;
        n.text = std::string(1, open);
        n.close = std::string(1, close);
        Nodes inner = parts[0];
        if (parts.size() == 2) {
          inner.push_back({Node::Kind::kText, ":", "", {}, false, 0});
          inner.insert(inner.end(), parts[1].begin(), parts[1].end());
        }
        n.parts = {std::move(inner)};
        return n;
      }
    }
    // Not a construct: the bracket is text, and parsing goes on after it.
    failed_.insert(start);
    i_ = start + 1;
    return {Node::Kind::kText, std::string(1, open), "", {}, false, 0};
  }

 public:
  std::set<int> steps_seen_;
  bool alternates_ = false;

 private:
  static constexpr int kMaxDepth = 32;
  std::string_view s_;
  size_t i_ = 0;
  int depth_ = 0;
  std::set<size_t> failed_;  // bracket positions that are text
  int steps_;
  bool unparsable_ = false;
};

void Render(const Nodes& nodes, int step, std::string& out) {
  for (const Node& n : nodes) {
    switch (n.kind) {
      case Node::Kind::kText:
        out += n.text;
        break;
      case Node::Kind::kScheduled:
        if (step <= n.when) {
          if (n.has_before) Render(n.parts[0], step, out);
        } else {
          Render(n.parts[1], step, out);
        }
        break;
      case Node::Kind::kAlternate:
        Render(n.parts[static_cast<size_t>(step - 1) % n.parts.size()], step, out);
        break;
      case Node::Kind::kGroup:
        out += n.text;
        Render(n.parts[0], step, out);
        out += n.close;
        break;
    }
  }
}

}  // namespace

std::vector<ScheduledPrompt> PromptSchedule(std::string_view prompt, int steps) {
  steps = std::max(1, steps);
  Parser parser(prompt, steps);
  const Nodes nodes = parser.Top();
  if (parser.unparsable()) return {{steps, std::string(prompt)}};
  std::set<int> ends = parser.steps_seen_;
  ends.insert(steps);
  if (parser.alternates_) {
    for (int s = 1; s <= steps; ++s) ends.insert(s);
  }
  std::vector<ScheduledPrompt> out;
  for (const int end : ends) {
    std::string text;
    Render(nodes, end, text);
    out.push_back({end, std::move(text)});
  }
  return out;
}

size_t PromptAtStep(const std::vector<ScheduledPrompt>& schedule, int step) {
  for (size_t i = 0; i < schedule.size(); ++i) {
    if (step <= schedule[i].end_step) return i;
  }
  return 0;  // A1111 falls back to the first entry past the end
}

}  // namespace depict::diffusion
