#include "text/html.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string>

namespace depict::text {
namespace {

struct Entity {
  std::string_view name;
  char32_t code_point;
  bool legacy;  // also recognised without the ";" by Python's html.unescape
};

// Every named entity of HTML 4.01, &apos; and the all-caps legacy names of HTML5, sorted by name,
// with their HTML5 values (which ftfy and Python's html module use: &lang; is U+27E8, not HTML
// 4's U+2329). "legacy" marks the 106 names HTML5, and so html.unescape, also accepts without
// a ";".
constexpr Entity kEntities[] = {
    {"AElig", 0xC6, true},     {"AMP", 0x26, true},        {"Aacute", 0xC1, true},
    {"Acirc", 0xC2, true},     {"Agrave", 0xC0, true},     {"Alpha", 0x391, false},
    {"Aring", 0xC5, true},     {"Atilde", 0xC3, true},     {"Auml", 0xC4, true},
    {"Beta", 0x392, false},    {"COPY", 0xA9, true},       {"Ccedil", 0xC7, true},
    {"Chi", 0x3A7, false},     {"Dagger", 0x2021, false},  {"Delta", 0x394, false},
    {"ETH", 0xD0, true},       {"Eacute", 0xC9, true},     {"Ecirc", 0xCA, true},
    {"Egrave", 0xC8, true},    {"Epsilon", 0x395, false},  {"Eta", 0x397, false},
    {"Euml", 0xCB, true},      {"GT", 0x3E, true},         {"Gamma", 0x393, false},
    {"Iacute", 0xCD, true},    {"Icirc", 0xCE, true},      {"Igrave", 0xCC, true},
    {"Iota", 0x399, false},    {"Iuml", 0xCF, true},       {"Kappa", 0x39A, false},
    {"LT", 0x3C, true},        {"Lambda", 0x39B, false},   {"Mu", 0x39C, false},
    {"Ntilde", 0xD1, true},    {"Nu", 0x39D, false},       {"OElig", 0x152, false},
    {"Oacute", 0xD3, true},    {"Ocirc", 0xD4, true},      {"Ograve", 0xD2, true},
    {"Omega", 0x3A9, false},   {"Omicron", 0x39F, false},  {"Oslash", 0xD8, true},
    {"Otilde", 0xD5, true},    {"Ouml", 0xD6, true},       {"Phi", 0x3A6, false},
    {"Pi", 0x3A0, false},      {"Prime", 0x2033, false},   {"Psi", 0x3A8, false},
    {"QUOT", 0x22, true},      {"REG", 0xAE, true},        {"Rho", 0x3A1, false},
    {"Scaron", 0x160, false},  {"Sigma", 0x3A3, false},    {"THORN", 0xDE, true},
    {"Tau", 0x3A4, false},     {"Theta", 0x398, false},    {"Uacute", 0xDA, true},
    {"Ucirc", 0xDB, true},     {"Ugrave", 0xD9, true},     {"Upsilon", 0x3A5, false},
    {"Uuml", 0xDC, true},      {"Xi", 0x39E, false},       {"Yacute", 0xDD, true},
    {"Yuml", 0x178, false},    {"Zeta", 0x396, false},     {"aacute", 0xE1, true},
    {"acirc", 0xE2, true},     {"acute", 0xB4, true},      {"aelig", 0xE6, true},
    {"agrave", 0xE0, true},    {"alefsym", 0x2135, false}, {"alpha", 0x3B1, false},
    {"amp", 0x26, true},       {"and", 0x2227, false},     {"ang", 0x2220, false},
    {"apos", 0x27, false},     {"aring", 0xE5, true},      {"asymp", 0x2248, false},
    {"atilde", 0xE3, true},    {"auml", 0xE4, true},       {"bdquo", 0x201E, false},
    {"beta", 0x3B2, false},    {"brvbar", 0xA6, true},     {"bull", 0x2022, false},
    {"cap", 0x2229, false},    {"ccedil", 0xE7, true},     {"cedil", 0xB8, true},
    {"cent", 0xA2, true},      {"chi", 0x3C7, false},      {"circ", 0x2C6, false},
    {"clubs", 0x2663, false},  {"cong", 0x2245, false},    {"copy", 0xA9, true},
    {"crarr", 0x21B5, false},  {"cup", 0x222A, false},     {"curren", 0xA4, true},
    {"dArr", 0x21D3, false},   {"dagger", 0x2020, false},  {"darr", 0x2193, false},
    {"deg", 0xB0, true},       {"delta", 0x3B4, false},    {"diams", 0x2666, false},
    {"divide", 0xF7, true},    {"eacute", 0xE9, true},     {"ecirc", 0xEA, true},
    {"egrave", 0xE8, true},    {"empty", 0x2205, false},   {"emsp", 0x2003, false},
    {"ensp", 0x2002, false},   {"epsilon", 0x3B5, false},  {"equiv", 0x2261, false},
    {"eta", 0x3B7, false},     {"eth", 0xF0, true},        {"euml", 0xEB, true},
    {"euro", 0x20AC, false},   {"exist", 0x2203, false},   {"fnof", 0x192, false},
    {"forall", 0x2200, false}, {"frac12", 0xBD, true},     {"frac14", 0xBC, true},
    {"frac34", 0xBE, true},    {"frasl", 0x2044, false},   {"gamma", 0x3B3, false},
    {"ge", 0x2265, false},     {"gt", 0x3E, true},         {"hArr", 0x21D4, false},
    {"harr", 0x2194, false},   {"hearts", 0x2665, false},  {"hellip", 0x2026, false},
    {"iacute", 0xED, true},    {"icirc", 0xEE, true},      {"iexcl", 0xA1, true},
    {"igrave", 0xEC, true},    {"image", 0x2111, false},   {"infin", 0x221E, false},
    {"int", 0x222B, false},    {"iota", 0x3B9, false},     {"iquest", 0xBF, true},
    {"isin", 0x2208, false},   {"iuml", 0xEF, true},       {"kappa", 0x3BA, false},
    {"lArr", 0x21D0, false},   {"lambda", 0x3BB, false},   {"lang", 0x27E8, false},
    {"laquo", 0xAB, true},     {"larr", 0x2190, false},    {"lceil", 0x2308, false},
    {"ldquo", 0x201C, false},  {"le", 0x2264, false},      {"lfloor", 0x230A, false},
    {"lowast", 0x2217, false}, {"loz", 0x25CA, false},     {"lrm", 0x200E, false},
    {"lsaquo", 0x2039, false}, {"lsquo", 0x2018, false},   {"lt", 0x3C, true},
    {"macr", 0xAF, true},      {"mdash", 0x2014, false},   {"micro", 0xB5, true},
    {"middot", 0xB7, true},    {"minus", 0x2212, false},   {"mu", 0x3BC, false},
    {"nabla", 0x2207, false},  {"nbsp", 0xA0, true},       {"ndash", 0x2013, false},
    {"ne", 0x2260, false},     {"ni", 0x220B, false},      {"not", 0xAC, true},
    {"notin", 0x2209, false},  {"nsub", 0x2284, false},    {"ntilde", 0xF1, true},
    {"nu", 0x3BD, false},      {"oacute", 0xF3, true},     {"ocirc", 0xF4, true},
    {"oelig", 0x153, false},   {"ograve", 0xF2, true},     {"oline", 0x203E, false},
    {"omega", 0x3C9, false},   {"omicron", 0x3BF, false},  {"oplus", 0x2295, false},
    {"or", 0x2228, false},     {"ordf", 0xAA, true},       {"ordm", 0xBA, true},
    {"oslash", 0xF8, true},    {"otilde", 0xF5, true},     {"otimes", 0x2297, false},
    {"ouml", 0xF6, true},      {"para", 0xB6, true},       {"part", 0x2202, false},
    {"permil", 0x2030, false}, {"perp", 0x22A5, false},    {"phi", 0x3C6, false},
    {"pi", 0x3C0, false},      {"piv", 0x3D6, false},      {"plusmn", 0xB1, true},
    {"pound", 0xA3, true},     {"prime", 0x2032, false},   {"prod", 0x220F, false},
    {"prop", 0x221D, false},   {"psi", 0x3C8, false},      {"quot", 0x22, true},
    {"rArr", 0x21D2, false},   {"radic", 0x221A, false},   {"rang", 0x27E9, false},
    {"raquo", 0xBB, true},     {"rarr", 0x2192, false},    {"rceil", 0x2309, false},
    {"rdquo", 0x201D, false},  {"real", 0x211C, false},    {"reg", 0xAE, true},
    {"rfloor", 0x230B, false}, {"rho", 0x3C1, false},      {"rlm", 0x200F, false},
    {"rsaquo", 0x203A, false}, {"rsquo", 0x2019, false},   {"sbquo", 0x201A, false},
    {"scaron", 0x161, false},  {"sdot", 0x22C5, false},    {"sect", 0xA7, true},
    {"shy", 0xAD, true},       {"sigma", 0x3C3, false},    {"sigmaf", 0x3C2, false},
    {"sim", 0x223C, false},    {"spades", 0x2660, false},  {"sub", 0x2282, false},
    {"sube", 0x2286, false},   {"sum", 0x2211, false},     {"sup", 0x2283, false},
    {"sup1", 0xB9, true},      {"sup2", 0xB2, true},       {"sup3", 0xB3, true},
    {"supe", 0x2287, false},   {"szlig", 0xDF, true},      {"tau", 0x3C4, false},
    {"there4", 0x2234, false}, {"theta", 0x3B8, false},    {"thetasym", 0x3D1, false},
    {"thinsp", 0x2009, false}, {"thorn", 0xFE, true},      {"tilde", 0x2DC, false},
    {"times", 0xD7, true},     {"trade", 0x2122, false},   {"uArr", 0x21D1, false},
    {"uacute", 0xFA, true},    {"uarr", 0x2191, false},    {"ucirc", 0xFB, true},
    {"ugrave", 0xF9, true},    {"uml", 0xA8, true},        {"upsih", 0x3D2, false},
    {"upsilon", 0x3C5, false}, {"uuml", 0xFC, true},       {"weierp", 0x2118, false},
    {"xi", 0x3BE, false},      {"yacute", 0xFD, true},     {"yen", 0xA5, true},
    {"yuml", 0xFF, true},      {"zeta", 0x3B6, false},     {"zwj", 0x200D, false},
    {"zwnj", 0x200C, false},
};

const Entity* FindEntity(std::string_view name) {
  auto it = std::lower_bound(std::begin(kEntities), std::end(kEntities), name,
                             [](const Entity& e, std::string_view n) { return e.name < n; });
  if (it == std::end(kEntities) || it->name != name) return nullptr;
  return it;
}

bool IsAsciiAlnum(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }

bool IsAsciiHexDigit(char32_t c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The text of a numeric character reference, as Python's html.unescape decodes it.
U32 NumericReference(U32 digits, bool hex) {
  // Any value past U+10FFFF decodes the same, so the digits need not be parsed in full.
  uint64_t value = 0;
  for (char32_t d : digits) {
    uint64_t digit = IsAsciiDigit(d) ? d - '0' : (d | 0x20) - 'a' + 10;
    value = value * (hex ? 16 : 10) + digit;
    if (value > 0x10FFFF) break;
  }
  if (value == 0) return U32(1, 0xFFFD);
  if (value == 0x0D) return U32(1, '\r');
  if (value >= 0x80 && value <= 0x9F) return U32(1, kCp1252High[value - 0x80]);
  if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF) return U32(1, 0xFFFD);
  bool invalid = (value >= 0x01 && value <= 0x08) || value == 0x0B ||
                 (value >= 0x0E && value <= 0x1F) || value == 0x7F ||
                 (value >= 0xFDD0 && value <= 0xFDEF) || (value & 0xFFFE) == 0xFFFE;
  if (invalid) return U32();
  return U32(1, static_cast<char32_t>(value));
}

// Is `candidate` ("name;" or a bare legacy "name") an entity? Sets *code_point when it is.
bool LookUpPythonEntity(const U32& candidate, char32_t* code_point) {
  bool semicolon = !candidate.empty() && candidate.back() == ';';
  std::string name;
  for (size_t i = 0; i < candidate.size() - (semicolon ? 1 : 0); ++i) {
    if (candidate[i] >= 0x80) return false;  // entity names are ASCII
    name.push_back(static_cast<char>(candidate[i]));
  }
  const Entity* e = FindEntity(name);
  if (e == nullptr || (!semicolon && !e->legacy)) return false;
  *code_point = e->code_point;
  return true;
}

struct Html5Entity {
  std::string_view name;  // without the ";"
  char32_t first, second;
};

constexpr Html5Entity kHtml5Entities[] = {
#include "text/html5_entities.inc"
};

}  // namespace

// Windows-1252 for bytes 0x80-0x9F; the five bytes it leaves undefined keep their Latin-1 code
// point (Python's html module and ftfy's "sloppy-windows-1252" agree on this).
const std::array<char32_t, 32> kCp1252High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

// Python's html.unescape: numeric references with or without ";", named ones by the longest
// entity name that starts the reference (legacy names need no ";": "&amp" -> "&").
U32 PythonHtmlUnescape(const U32& s) {
  if (s.find(U'&') == U32::npos) return s;
  U32 out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '&') {
      out.push_back(s[i++]);
      continue;
    }
    size_t j = i + 1;
    if (j < s.size() && s[j] == '#') {
      bool hex = j + 1 < s.size() && (s[j + 1] == 'x' || s[j + 1] == 'X');
      size_t k = j + (hex ? 2 : 1);
      size_t digits_begin = k;
      while (k < s.size() && (hex ? IsAsciiHexDigit(s[k]) : IsAsciiDigit(s[k]))) ++k;
      if (k == digits_begin) {  // "&#" without digits is no reference
        out.push_back(s[i++]);
        continue;
      }
      U32 digits = s.substr(digits_begin, k - digits_begin);
      if (k < s.size() && s[k] == ';') ++k;
      out += NumericReference(digits, hex);
      i = k;
      continue;
    }
    // A name: up to 32 characters other than tab, newline, form feed, space, '<', '&', '#', ';'.
    size_t k = j;
    auto name_char = [](char32_t c) {
      return c != '\t' && c != '\n' && c != '\f' && c != ' ' && c != '<' && c != '&' && c != '#' &&
             c != ';';
    };
    while (k < s.size() && k - j < 32 && name_char(s[k])) ++k;
    if (k == j) {
      out.push_back(s[i++]);
      continue;
    }
    if (k < s.size() && s[k] == ';') ++k;
    U32 reference = s.substr(j, k - j);
    char32_t code_point = 0;
    if (LookUpPythonEntity(reference, &code_point)) {
      out.push_back(code_point);
    } else {
      bool found = false;
      for (size_t x = reference.size() - 1; x >= 2 && x < reference.size(); --x) {
        if (LookUpPythonEntity(reference.substr(0, x), &code_point)) {
          out.push_back(code_point);
          out += reference.substr(x);
          found = true;
          break;
        }
      }
      if (!found) {
        out.push_back('&');
        out += reference;
      }
    }
    i = k;
  }
  return out;
}

// ftfy's unescape_html: only "&name;" and "&#...;" with 1-24 ASCII letters or digits, named
// ones from the entity table or as the all-caps spelling of an all-lower-case name
// ("&EACUTE;" -> "É"), numeric ones only when Python decodes them whole.
U32 FtfyUnescapeHtml(const U32& s) {
  U32 out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '&') {
      out.push_back(s[i++]);
      continue;
    }
    size_t j = i + 1;
    bool numeric = j < s.size() && s[j] == '#';
    if (numeric) ++j;
    size_t k = j;
    while (k < s.size() && k - j < 24 && IsAsciiAlnum(s[k])) ++k;
    if (k == j || k >= s.size() || s[k] != ';') {
      out.push_back(s[i++]);
      continue;
    }
    U32 whole = s.substr(i, k + 1 - i);
    if (numeric) {
      U32 decoded = PythonHtmlUnescape(whole);
      out += decoded.find(U';') == U32::npos ? decoded : whole;
    } else {
      std::string name;
      for (size_t c = j; c < k; ++c) name.push_back(static_cast<char>(s[c]));
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string upper = name;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (const Entity* e = FindEntity(name)) {
        out.push_back(e->code_point);
      } else if (const Entity* lower_entity = FindEntity(lower);
                 lower_entity != nullptr && name == upper && name != lower) {
        out += ToUpper(U32(1, lower_entity->code_point));
      } else {
        out += whole;
      }
    }
    i = k + 1;
  }
  return out;
}

U32 Html5NamedUnescape(const U32& s) {
  if (s.find(U'&') == U32::npos) return s;
  U32 out;
  size_t i = 0;
  while (i < s.size()) {
    size_t semicolon = U32::npos;
    if (s[i] == '&') {
      for (size_t k = i + 1; k < s.size() && k <= i + 33 && IsAsciiAlnum(s[k]); ++k) {
        if (k + 1 < s.size() && s[k + 1] == ';') semicolon = k + 1;
      }
    }
    if (semicolon == U32::npos) {
      out.push_back(s[i++]);
      continue;
    }
    std::string name;
    for (size_t k = i + 1; k < semicolon; ++k) name.push_back(static_cast<char>(s[k]));
    const auto* it =
        std::lower_bound(std::begin(kHtml5Entities), std::end(kHtml5Entities), name,
                         [](const Html5Entity& e, std::string_view n) { return e.name < n; });
    if (it == std::end(kHtml5Entities) || it->name != name) {
      out.push_back(s[i++]);
      continue;
    }
    out.push_back(it->first);
    if (it->second != 0) out.push_back(it->second);
    i = semicolon + 1;
  }
  return out;
}

}  // namespace depict::text
