"""Shared by tools/import_wordnet_*.py: reading Princeton WordNet 3.0 as installed by the pinned
Debian package, and the licence notice every generated table carries.

The database files are read directly (no nltk): data.noun for synsets, index.noun for the order
of a lemma's senses (sense 1 = most frequent in SemCor). Offsets are WordNet 3.0's own.
"""
import os
import re
import subprocess
import sys

PACKAGE = "wordnet-base"
PINNED_VERSION = "1:3.0-37"  # Debian 12 (bookworm); the database itself is WordNet 3.0 (2006)
WN = "/usr/share/wordnet"

# The WordNet 3.0 licence asks that its copyright notice and disclaimer go with every copy,
# including modifications. Full text: /usr/share/doc/wordnet-base/copyright.
LICENCE = """\
# Licence: the WordNet 3.0 licence (Princeton University; a BSD-style permissive licence). Full
# text in /usr/share/doc/wordnet-base/copyright. It asks that this notice and disclaimer go with
# every copy, including modifications:
#   WordNet 3.0 Copyright 2006 by Princeton University.  All rights reserved.
#   THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO
#   REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED.  BY WAY OF EXAMPLE, BUT NOT LIMITATION,
#   PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES OF MERCHANTABILITY OR FITNESS FOR
#   ANY PARTICULAR PURPOSE OR THAT THE USE OF THE LICENSED SOFTWARE, DATABASE OR DOCUMENTATION
#   WILL NOT INFRINGE ANY THIRD PARTY PATENTS, COPYRIGHTS, TRADEMARKS OR OTHER RIGHTS.
#   The name of Princeton University or Princeton may not be used in advertising or publicity
#   pertaining to distribution of the software and/or database.
"""


def check_version():
    """The tables are only reproducible from the pinned package; refuse any other build."""
    try:
        got = subprocess.run(["dpkg-query", "-W", "-f=${Version}", PACKAGE], check=True,
                             capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        sys.exit(f"{PACKAGE} is not installed: run  apt-get install {PACKAGE}={PINNED_VERSION}")
    if got != PINNED_VERSION:
        sys.exit(f"{PACKAGE} {got} is installed but this importer is pinned to {PINNED_VERSION}; "
                 "install the pinned version, or review the new output and update PINNED_VERSION "
                 "in tools/wordnet_common.py")


def lines(name):
    """The data lines of a WordNet file (the licence preamble lines start with two spaces)."""
    with open(os.path.join(WN, name), encoding="latin-1") as f:
        for line in f:
            if not line.startswith("  "):
                yield line


def load_synsets():
    """data.noun: offset -> dict(lex: lexicographer file number, words: lemmas as written,
    ptrs: [(pointer symbol, target offset)] to nouns, gloss, instance: has an @i pointer)."""
    syn = {}
    for line in lines("data.noun"):
        head, _, gloss = line.partition(" | ")
        fld = head.split()
        nwords = int(fld[3], 16)
        words = [fld[4 + 2 * i] for i in range(nwords)]
        i = 4 + 2 * nwords
        ptrs = [(fld[i + 1 + 4 * k], fld[i + 2 + 4 * k]) for k in range(int(fld[i]))
                if fld[i + 3 + 4 * k] == "n"]
        syn[fld[0]] = {"lex": int(fld[1]), "words": words, "ptrs": ptrs, "gloss": gloss.strip(),
                       "instance": any(p == "@i" for p, _ in ptrs)}
    return syn


def load_index(pos="noun"):
    """index.<pos>: lemma (lowercase) -> synset offsets in sense order."""
    idx = {}
    for line in lines("index." + pos):
        fld = line.split()
        idx[fld[0]] = fld[-int(fld[2]):]
    return idx


def synset_name(off, syn, idx):
    """The usual lemma.n.NN name of a synset: its first lemma and that lemma's sense number."""
    lemma = syn[off]["words"][0].lower()
    return f"{lemma}.n.{idx[lemma].index(off) + 1:02d}"


def is_below(syn, off, root):
    """Whether synset `off` lies below `root` through hypernym and instance links."""
    stack, seen = [off], set()
    while stack:
        o = stack.pop()
        if o == root:
            return True
        if o in seen:
            continue
        seen.add(o)
        stack += [p[1] for p in syn[o]["ptrs"] if p[0] in ("@", "@i")]
    return False


def regular_plural(w):
    """The regular English plural of a noun ('box' -> 'boxes', 'army' -> 'armies')."""
    if re.search(r"(s|x|z|ch|sh)$", w):
        return w + "es"
    if re.search(r"[^aeiou]y$", w):
        return w[:-1] + "ies"
    return w + "s"


def write_table(path, header, rows, encoding="ascii"):
    """Writes `header` and one TAB-separated line per row, and says so."""
    with open(path, "w", encoding=encoding, newline="\n") as f:
        f.write(header)
        for r in rows:
            f.write("\t".join(r) + "\n")
    print(f"wrote {path}: {len(rows)} rows")
