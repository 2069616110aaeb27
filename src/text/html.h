// HTML character references in prompts, decoded as the references CLIP tokenizers use decode
// them (Python's html module and ftfy), from one entity table.
#ifndef DEPICT_TEXT_HTML_H_
#define DEPICT_TEXT_HTML_H_

#include <array>

#include "text/unicode.h"

namespace depict::text {

// Windows-1252 for bytes 0x80-0x9F; the five bytes it leaves undefined keep their Latin-1 code
// point (Python's html module and ftfy's "sloppy-windows-1252" agree on this).
extern const std::array<char32_t, 32> kCp1252High;

// Python's html.unescape: numeric references with or without ";", named ones by the longest
// entity name that starts the reference (legacy names need no ";": "&amp" -> "&").
U32 PythonHtmlUnescape(const U32& s);

// ftfy's unescape_html: only "&name;" and "&#...;" with 1-24 ASCII letters or digits, named
// ones from the entity table or as the all-caps spelling of an all-lower-case name
// ("&EACUTE;" -> "É"), numeric ones only when Python decodes them whole.
U32 FtfyUnescapeHtml(const U32& s);

// Every named reference of HTML5 written with its ";" ("&sopf;" -> U+1D564, "&ZeroWidthSpace;"),
// from the WHATWG list (html5_entities.inc, made by tools/make_html5_entities.py): the names
// Python's html.unescape knows beyond the HTML 4 ones above.
U32 Html5NamedUnescape(const U32& s);

}  // namespace depict::text

#endif  // DEPICT_TEXT_HTML_H_
