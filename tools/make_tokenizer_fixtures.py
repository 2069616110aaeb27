#!/usr/bin/env python3
"""Writes the CLIP tokenizer and A1111 prompt-parser fixtures from the reference implementations.

  tests/fixtures/tokenizer/clip_tokens.json  ids of ~300 strings from the real CLIP tokenizers
  tests/fixtures/tokenizer/a1111_parse.json  A1111's parse_prompt_attention() on ~60 prompts

References (nothing is downloaded by this script; install them first):

  * transformers.CLIPTokenizer (the slow, Python one, as Stable Diffusion 1.x and A1111 use it).
    "openai/clip-vit-large-patch14" is on the model hub, which cannot be reached here, so the
    tokenizer is built from the same vocabulary: the open_clip bpe file, written out as
    vocab.json + merges.txt exactly as CLIP's vocabulary is derived from it (256 byte symbols, the
    same with "</w>", one token per merge, then <|startoftext|> and <|endoftext|>). With ftfy
    installed it cleans text with ftfy.fix_text, collapses whitespace and lower-cases.
  * open_clip.tokenizer.SimpleTokenizer from open_clip_torch 3.3.0 (Stable Diffusion 2.x and A1111's
    SD2 path), which loads the bpe file bundled in the wheel. Its module is loaded from the
    installed package's file without open_clip/__init__.py (that needs torch), with a small
    numpy stand-in for the three torch calls that SimpleTokenizer.__call__ makes, so its own
    padding code runs.
  * A1111's modules/prompt_parser.py from a stable-diffusion-webui checkout (--a1111 PATH). It
    needs lark; its trailing "import torch" is satisfied by an empty stand-in module.

Set-up, once:

  python3 -m venv /tmp/tokref
  /tmp/tokref/bin/pip install --no-deps open_clip_torch==3.3.0
  /tmp/tokref/bin/pip install ftfy==6.3.1 regex numpy lark transformers==4.57.6
  /tmp/tokref/bin/python tools/make_tokenizer_fixtures.py --a1111 /path/to/stable-diffusion-webui

Strings where a reference applies a fix that depict deliberately does not reproduce (ftfy's
mojibake repair, HTML entities outside depict's table) are kept, with "skip" giving the reason;
the C++ tests compare every other string exactly.
"""

import argparse
import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import sys
import tempfile
import types

OPEN_CLIP_VERSION = "3.3.0"

# Strings whose reference ids depict does not reproduce, and why. Anything else must match.
KNOWN_DIVERGENCES = {
    "cafÃ© au lait": "ftfy repairs mojibake (UTF-8 read as Latin-1); depict does not guess encodings",
    "donâ€™t panic": "ftfy repairs mojibake (UTF-8 read as Windows-1252); depict does not",
    "SchÃ¶ne GrÃ¼ÃŸe": "ftfy repairs mojibake (UTF-8 read as Windows-1252); depict does not",
    "&Jscr;ohn &HilbertSpace;ancock": "HTML5 entity outside depict's table of common entities",
}


def prompt_strings():
    """The ~300 test strings, grouped by what they exercise."""
    s = []
    # Plain ASCII prompts.
    s += [
        "a photo of a cat",
        "A Photo Of A Cat",
        "a portrait of a doctor",
        "masterpiece, best quality, highly detailed",
        "an astronaut riding a horse on mars",
        "a 1940s German soldier",
        "the US Founding Fathers signing the declaration",
        "a black and white photo of a band",
        "a woman with white hair",
        "children playing on the beach",
        "hello world",
        "HELLO WORLD",
        "Hello, World!",
        "cat",
        "a",
        "I",
        "x",
        "the quick brown fox jumps over the lazy dog",
        "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG",
        "iPhone iPad MacBook",
        "McDonald's",
        "camelCaseWordsTogether",
        "snake_case_words_here",
        "kebab-case-words-here",
        "supercalifragilisticexpialidocious",
        "pneumonoultramicroscopicsilicovolcanoconiosis",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "zzzzzzzzzz",
        "qwertyuiop asdfghjkl zxcvbnm",
        "a dog, a cat, a bird, a fish",
        "photorealistic, 8k uhd, dslr, soft lighting, high quality, film grain, Fujifilm XT3",
        "trending on artstation, octane render, unreal engine 5",
        "by greg rutkowski and alphonse mucha",
        "studio ghibli style",
        "low poly isometric room",
        "a red crown",
        "a blue jeweled crown",
        "cinematic still of a knight in shining armor",
        "a bowl of ramen",
        "portrait of an old fisherman, dramatic lighting",
    ]
    # Punctuation and symbols.
    s += [
        "!",
        "!!!",
        "?!?!",
        "...",
        "…",
        ",",
        ",,,",
        "a,b,c",
        "a, b, c",
        "a.b.c",
        "a;b:c",
        "end.",
        "(",
        ")",
        "()",
        "[]",
        "{}",
        "<>",
        "a (b) c",
        "a [b] c",
        "a {b|c} d",
        "(masterpiece:1.2)",
        "((best quality))",
        "[blurry]",
        "[cat:dog:0.5]",
        "\\(escaped\\)",
        "\\[also\\]",
        "back\\slash",
        "<lora:detail_tweaker:0.8>",
        "<hypernet:anime:1>",
        "#hashtag",
        "@user",
        "$100",
        "50%",
        "C++",
        "C#",
        "e-mail",
        "rock'n'roll",
        "x@y.com",
        "https://example.com/path?q=1&r=2",
        "a/b\\c|d",
        "~tilde~",
        "`backtick`",
        "^caret^",
        "*asterisks*",
        "__underscores__",
        "a+b=c",
        "a--b",
        "a -- b",
        "—em dash—",
        "en–dash",
        "\"double quotes\"",
        "'single quotes'",
        "“curly double”",
        "‘curly single’",
        "«guillemets»",
        "„low quotes“",
        "™ © ®",
        "°C and °F",
        "½ ¼ ¾",
        "x² + y³",
        "§ ¶ † ‡",
        "∑ ∫ √ ∞ ≠ ≤ ≥",
        "→ ← ↑ ↓",
        "★ ☆ ♥ ♪ ♫",
        "• bullet • points",
        "¿qué? ¡sí!",
        "·middle·dot·",
    ]
    # Numbers.
    s += [
        "0",
        "7",
        "42",
        "1024x768",
        "3.14159",
        "1,000,000",
        "2nd place",
        "4k",
        "8K UHD",
        "the year 1999",
        "0.5",
        "-12",
        "+7",
        "1e10",
        "007",
        "1st 2nd 3rd 4th",
        "1940s",
        "19th century",
        "24/7",
        "10:30pm",
        "2024-02-22",
        "v1.5",
        "sd_xl_base_1.0",
        "①②③",
        "Ⅻ",
        "٣٤٥",
        "४२",
        "١٢٣٤",
        "１２３",
        "一二三",
    ]
    # Contractions.
    s += [
        "don't",
        "DON'T",
        "Don't",
        "it's",
        "IT'S",
        "I'm",
        "we've",
        "they're",
        "you'll",
        "he'd",
        "can't won't shouldn't",
        "'s",
        "'tis",
        "o'clock",
        "the cat's toy",
        "the cats' toys",
        "'quoted'",
        "''",
        "''s",
        "it ' s",
        "y'all'd've",
        "can’t",
        "it’s a dog’s life",
        "ʼn",
        "rock 'n' roll",
        "Jack's and Jill's",
        "'m'll'd're've",
    ]
    # Emoji.
    s += [
        "🙂",
        "😀😃😄",
        "👩‍🚀",
        "👨‍👩‍👧‍👦",
        "🇯🇵",
        "🇺🇸🇬🇧",
        "❤️",
        "❤",
        "👍🏽",
        "🐱🐶",
        "a cat 🐱 and a dog 🐶",
        "🔥🔥🔥 fire",
        "✨sparkles✨",
        "☀️ sunny",
        "🏳️‍🌈",
        "😂😂😂😂😂😂😂😂",
    ]
    # Accents and other Latin.
    s += [
        "café",
        "naïve",
        "Beyoncé",
        "résumé",
        "Zoë",
        "São Paulo",
        "Ålesund",
        "Kraków",
        "Đà Nẵng",
        "e\u0301",
        "cafe\u0301",
        "A\u030a",
        "ŒUVRE",
        "œuvre",
        "straße",
        "STRASSE",
        "İstanbul",
        "ISTANBUL",
        "ıi",
        "Æsir",
        "Ørsted",
        "ñandú",
        "Łódź",
        "Çağlar",
        "Ǆ Ǉ ǈ",
        "ﬁne ﬂower ﬀ ﬃ ﬄ ﬅ ﬆ",
        "Ĳssel",
        "ÉCOLE",
        "Ångström",
        "\u212b",
        "\u2126",
        "ǅemal",
    ]
    # Greek and Cyrillic.
    s += [
        "ΣΟΦΙΑ",
        "ΟΔΟΣ",
        "ΟΔΟΣ ΣΑ",
        "Σ",
        "ΑΣ.",
        "Ελληνικά",
        "Москва",
        "МОСКВА",
        "Привет, мир!",
        "Ёлка",
        "Україна",
    ]
    # CJK, Japanese, Korean.
    s += [
        "東京タワー",
        "北京",
        "한국어",
        "日本の桜",
        "猫",
        "こんにちは",
        "カタカナ",
        "ｆｕｌｌｗｉｄｔｈ",
        "ＬＯＵＤ　ＮＯＩＳＥＳ",
        "ﾊﾝｶｸ",
        "ﾊﾟﾝ",
        "Ｕﾀｰﾝ",
        "　",
        "a\u3000b",
        "中文，标点。",
        "「かぎかっこ」",
        "漢字とひらがなとカタカナ",
        "서울의 밤",
        "𠮷野家",
        "\uf900",
    ]
    # Arabic, Hebrew, Indic, Thai and others.
    s += [
        "مرحبا بالعالم",
        "السلام عليكم",
        "שלום",
        "नमस्ते",
        "हिन्दी",
        "தமிழ்",
        "বাংলা",
        "สวัสดี",
        "ภาษาไทย",
        "ქართული",
        "Հայերեն",
        "አማርኛ",
        "ᐃᓄᒃᑎᑐᑦ",
        "Tiếng Việt",
        "اردو",
    ]
    # Whitespace and control oddities.
    s += [
        "",
        " ",
        "   ",
        "\t",
        "\n",
        "\t\n\r ",
        "  leading",
        "trailing  ",
        "  both  ",
        "tab\there",
        "new\nline",
        "cr\r\nlf",
        "multiple   spaces   between",
        "a\u00a0b",
        "a\u2003b",
        "a\u2009b",
        "a\u200bb",
        "a\u200db",
        "a\u2028b",
        "a\u2029b",
        "a\u0085b",
        "a\u000bb",
        "a\u000cb",
        "a\u001cb",
        "a\u0000b",
        "\u0007bell",
        "\u001b[31mred\u001b[0m",
        "\ufeffBOM",
        "a\u00adb",
        "\u0093quoted\u0094",
        "\u0080euro",
        "a\u206ab",
        "\ufff9anchor",
        "\ufffd",
    ]
    # HTML and special tokens.
    s += [
        "&amp;",
        "&lt;tag&gt;",
        "R&amp;B",
        "&quot;hi&quot;",
        "&#39;",
        "&#x41;",
        "&#X42;",
        "&#128512;",
        "&#0;",
        "&#x110000;",
        "&#65x;",
        "&eacute;",
        "P&EACUTE;REZ",
        "BUNDESSTRA&SZLIG;E",
        "&ntilde; &Ntilde; &NTILDE; &nTILDE;",
        "fish &amp; chips <b>bold</b>",
        "<b>bold</b> &amp;",
        "first &amp;\nsecond < &amp;",
        "&nbsp;",
        "&amp;amp;",
        "AT&T",
        "&copy; 2024",
        "&hellip;",
        "&mdash;",
        "&rsquo;s",
        "&Jscr;ohn &HilbertSpace;ancock",
        "this&not that",
        "&amp",
        "<|startoftext|>",
        "<|endoftext|>",
        "a<|endoftext|>b",
        "a <|endoftext|> b",
        "<|ENDOFTEXT|>",
        "<|startoftext|>hello<|endoftext|>",
        "<start_of_text>",
        "<end_of_text>",
        "<<|endoftext|>",
        "<|endoftext|>&amp;",
        "</w>",
        "a</w>b",
    ]
    # Mojibake (documented divergence).
    s += ["cafÃ© au lait", "donâ€™t panic", "SchÃ¶ne GrÃ¼ÃŸe"]
    # A1111 syntax characters as the tokenizer sees them (the parser strips most before).
    s += [
        "(((masterpiece))), [[blurry]], (detailed:1.4)",
        "a (red:1.2) [blue] {green} house",
        "AND",
        "a cat AND a dog",
        "BREAK",
        "a BREAK b",
        "[a|b|c]",
        "(:1.5)",
        "\\\\",
        "a:1.2",
        "embedding:foo",
    ]
    # Long prompts (over 77 tokens).
    long1 = (
        "masterpiece, best quality, ultra-detailed, illustration, 1girl, solo, long hair, "
        "looking at viewer, smile, open mouth, blue eyes, blonde hair, shirt, long sleeves, "
        "dress, holding, standing, flower, outdoors, sky, day, cloud, white dress, tree, "
        "blue sky, grass, sunlight, wind, scenery, field, flower field, summer, straw hat, "
        "sundress, hat flower, holding hat, lens flare, depth of field, bokeh, cinematic "
        "lighting, volumetric lighting, detailed background"
    )
    s += [
        long1,
        long1.upper(),
        ", ".join(["a red apple"] * 30),
        " ".join(["word"] * 100),
        "a " * 150,
        ",".join(str(i) for i in range(60)),
        "!" * 200,
        "🙂" * 40,
        "東京" * 50,
        "the history of the world in one image: " + ", ".join(
            ["ancient egypt", "rome", "the middle ages", "the renaissance", "the industrial revolution",
             "the moon landing", "the internet age"] * 4),
        "a very long prompt that keeps going " * 12,
    ]
    # Mixed bag.
    s += [
        "HeLLo WoRLD",
        "ALLCAPS and lowercase",
        "a1b2c3",
        "abc123def",
        "123abc",
        "word123",
        "x86_64",
        "iso-8859-1",
        "UTF-8",
        "Mr. Smith",
        "Dr.Who",
        "U.S.A.",
        "e.g. i.e. etc.",
        "don't stop-believing",
        "😀hello😀",
        "hello😀world",
        "café☕",
        "naïve-café",
        "ÀÉÎÕÜ",
        "àéîõü",
        "αβγ ΑΒΓ",
        "Ⅷ ⅷ",
        "ǲ",
        "ﬃx",
        "Ǆ",
        "ᾼ",
        "ΐ",
        "ʼapostrophe",
        "‛reversed",
        "‚low single",
        "‟ high reversed",
        "«a» ‹b›",
        "′prime″",
    ]
    return s


def a1111_prompts():
    """~60 prompts for A1111's parse_prompt_attention."""
    return [
        "normal text",
        "an (important) word",
        "(unbalanced",
        "\\(literal\\]",
        "(unnecessary)(parens)",
        "a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).",
        "",
        "   ",
        "(word)",
        "((word))",
        "(((word)))",
        "[word]",
        "[[word]]",
        "(word:1.3)",
        "(word:0.5)",
        "(word: 1.3)",
        "(word :1.3 )",
        "(word:+1.3)",
        "(word:-1)",
        "(word:.5)",
        "(word:5.)",
        "(word:0)",
        "((word:1.5))",
        "[(word:1.5)]",
        "([word])",
        "(a (b (c:2) d) e)",
        "[a [b [c] d] e]",
        "unbalanced)",
        "unbalanced]",
        "[unbalanced",
        "((unbalanced)",
        "(a [b) c]",
        "a:b",
        "a : b : c",
        "(a:b)",
        "(a:b:1.2)",
        ":1.2)",
        "(:1.2)",
        "\\\\ backslash",
        "a\\b",
        "trailing backslash\\",
        "\\(a:1.2\\)",
        "(\\(a\\):1.2)",
        "a BREAK b",
        "BREAK",
        "a BREAK",
        "BREAK b",
        "aBREAK b",
        "a BREAKb",
        "a BREAK BREAK b",
        "a\nBREAK\nb",
        "(a BREAK b)",
        "(a BREAK b:1.5)",
        "[a BREAK b]",
        "a break b",
        "a, BREAK, b",
        "(red:1.2) and (red:1.2)",
        "(a)(b)",
        "(a:1.1)(b)",
        "[cat:dog:0.5]",
        "[cat|dog]",
        "{a|b}",
        "<lora:detail:0.8> (masterpiece:1.2), 1girl",
        "(masterpiece:1.2), best quality, (detailed face:1.4), [blurry], ((sharp))",
        "(café:1.2) 東京 (🙂)",
        "(word:1.2.3)",
        "(word:.)",
        "((a:2):3)",
        "(a:2)(b:2)",
    ]


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@contextlib.contextmanager
def stand_in_torch(module):
    """Puts module in sys.modules["torch"] while a reference module is loaded, then removes it,
    so that transformers never sees it."""
    saved = sys.modules.get("torch")
    sys.modules["torch"] = module
    try:
        yield
    finally:
        if saved is None:
            del sys.modules["torch"]
        else:
            sys.modules["torch"] = saved


def load_open_clip_tokenizer_module():
    """open_clip/tokenizer.py from the installed wheel, without open_clip/__init__.py."""
    version = importlib.metadata.version("open_clip_torch")
    if version != OPEN_CLIP_VERSION:
        sys.exit(f"open_clip_torch {version} is installed; the fixtures pin {OPEN_CLIP_VERSION}")
    spec = importlib.util.find_spec("open_clip")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("open_clip_torch is not installed (pip install --no-deps open_clip_torch==3.3.0)")
    package_dir = list(spec.submodule_search_locations)[0]

    import numpy as np

    # SimpleTokenizer.__call__ uses torch.zeros, torch.tensor and the torch.long dtype only.
    torch_shim = types.ModuleType("torch")
    torch_shim.long = np.int64
    torch_shim.LongTensor = np.ndarray
    torch_shim.Tensor = np.ndarray
    torch_shim.zeros = lambda *shape, dtype=None: np.zeros(shape, dtype=dtype)
    torch_shim.tensor = lambda data, dtype=None: np.array(data, dtype=dtype)
    module_spec = importlib.util.spec_from_file_location(
        "open_clip_tokenizer_reference", os.path.join(package_dir, "tokenizer.py"))
    module = importlib.util.module_from_spec(module_spec)
    with stand_in_torch(torch_shim):
        module_spec.loader.exec_module(module)
    return module, os.path.join(package_dir, "bpe_simple_vocab_16e6.txt.gz")


def build_hf_tokenizer(open_clip_module, bpe_path, workdir):
    """transformers.CLIPTokenizer over CLIP's vocabulary, built from the open_clip bpe file."""
    import gzip

    from transformers import CLIPTokenizer

    lines = gzip.open(bpe_path).read().decode("utf-8").split("\n")
    merges = lines[1:49152 - 256 - 2 + 1]
    byte_symbols = list(open_clip_module.bytes_to_unicode().values())
    vocab = byte_symbols + [v + "</w>" for v in byte_symbols]
    vocab += ["".join(m.split()) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    vocab_path = os.path.join(workdir, "vocab.json")
    merges_path = os.path.join(workdir, "merges.txt")
    with open(vocab_path, "w", encoding="utf-8") as f:
        json.dump({token: i for i, token in enumerate(vocab)}, f, ensure_ascii=False)
    with open(merges_path, "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")
    tokenizer = CLIPTokenizer(vocab_path, merges_path, model_max_length=77)
    if tokenizer.fix_text is None:
        sys.exit("ftfy is not installed: CLIPTokenizer would fall back to BERT's BasicTokenizer")
    return tokenizer


def load_a1111_parser(a1111_dir):
    path = os.path.join(a1111_dir, "modules", "prompt_parser.py")
    if not os.path.isfile(path):
        sys.exit(f"{path} not found: pass the root of a stable-diffusion-webui checkout")
    spec = importlib.util.spec_from_file_location("a1111_prompt_parser", path)
    module = importlib.util.module_from_spec(spec)
    with stand_in_torch(types.ModuleType("torch")):  # its trailing "import torch"
        spec.loader.exec_module(module)
    return module, path


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--a1111", required=True, help="root of a stable-diffusion-webui checkout")
    parser.add_argument("--out", default=os.path.join(here, "..", "tests", "fixtures", "tokenizer"))
    args = parser.parse_args()

    import transformers  # before any torch stand-in exists, so that it finds no torch

    open_clip_module, bpe_path = load_open_clip_tokenizer_module()
    open_clip_tokenizer = open_clip_module.SimpleTokenizer(bpe_path)
    with tempfile.TemporaryDirectory() as workdir:
        hf = build_hf_tokenizer(open_clip_module, bpe_path, workdir)

        cases = []
        seen = set()
        for text in prompt_strings():
            if text in seen:
                continue
            seen.add(text)
            case = {"text": text}
            case["ids"] = hf(text, add_special_tokens=False)["input_ids"]
            open_clip_ids = open_clip_tokenizer.encode(text)
            if open_clip_ids != case["ids"]:
                case["open_clip_ids"] = open_clip_ids
            if text in KNOWN_DIVERGENCES:
                case["skip"] = KNOWN_DIVERGENCES[text]
            cases.append(case)

        # 77-token packing as each reference does it: SD 1.x (CLIPTokenizer with
        # padding="max_length", truncation) and SD 2.x (open_clip's tokenizer call).
        pack_texts = ["a photo of a cat", "", cases[-1]["text"], prompt_strings()[0] * 40]
        pack77 = []
        for text in pack_texts:
            sd1 = hf(text, padding="max_length", max_length=77, truncation=True)["input_ids"]
            sd2 = [int(x) for x in open_clip_tokenizer(text)[0]]
            pack77.append({"text": text, "sd1": sd1, "sd2": sd2})

    a1111, a1111_path = load_a1111_parser(args.a1111)
    parses = []
    for prompt in a1111_prompts():
        try:
            parsed = a1111.parse_prompt_attention(prompt)
            parses.append({"prompt": prompt, "segments": [[t, w] for t, w in parsed]})
        except ValueError as error:  # A1111 raises on weights float() rejects, e.g. "1.2.3"
            parses.append({"prompt": prompt, "error": f"ValueError: {error}"})

    import ftfy

    os.makedirs(args.out, exist_ok=True)
    tokens_path = os.path.join(args.out, "clip_tokens.json")
    with open(tokens_path, "w", encoding="utf-8") as f:
        header = {
            "generated_by": "tools/make_tokenizer_fixtures.py",
            "references": {
                "ids": f"transformers {transformers.__version__} CLIPTokenizer (slow) with ftfy "
                       f"{ftfy.__version__}, vocabulary from open_clip_torch {OPEN_CLIP_VERSION}'s "
                       "bpe_simple_vocab_16e6.txt.gz",
                "open_clip_ids": f"open_clip_torch {OPEN_CLIP_VERSION} SimpleTokenizer.encode, only "
                                 "where it differs from ids",
                "pack77": "sd1: CLIPTokenizer(padding='max_length', max_length=77, truncation=True); "
                          "sd2: open_clip SimpleTokenizer.__call__ (context_length 77)",
            },
            "bpe_sha256": sha256_of(bpe_path),
            "bos": hf.bos_token_id,
            "eos": hf.eos_token_id,
            "sd1_pad": hf.pad_token_id,
            "sd2_pad": 0,
        }
        # One case per line keeps the file small and its diffs readable.
        f.write("{\n")
        for key, value in header.items():
            f.write(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
        f.write('  "pack77": [\n')
        f.write(",\n".join("    " + json.dumps(p, ensure_ascii=False) for p in pack77))
        f.write("\n  ],\n")
        f.write('  "cases": [\n')
        f.write(",\n".join("    " + json.dumps(c, ensure_ascii=False) for c in cases))
        f.write("\n  ]\n}\n")

    parse_path = os.path.join(args.out, "a1111_parse.json")
    with open(parse_path, "w", encoding="utf-8") as f:
        f.write("{\n")
        f.write('  "generated_by": "tools/make_tokenizer_fixtures.py",\n')
        f.write('  "reference": "parse_prompt_attention() of AUTOMATIC1111 stable-diffusion-webui '
                'modules/prompt_parser.py",\n')
        f.write('  "cases": [\n')
        f.write(",\n".join("    " + json.dumps(p, ensure_ascii=False) for p in parses))
        f.write("\n  ]\n}\n")

    print(f"{tokens_path}: {len(cases)} strings, "
          f"{sum('open_clip_ids' in c for c in cases)} where open_clip differs, "
          f"{sum('skip' in c for c in cases)} known divergences")
    print(f"{parse_path}: {len(parses)} prompts from {a1111_path}")


if __name__ == "__main__":
    main()
