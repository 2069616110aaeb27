#!/usr/bin/env python3
"""Writes data/safety/wordnet_synonyms.tsv: for every WordNet reference in data/safety/rules.tsv,
the words WordNet 3.0 gives that concept, so a rule names a concept once ("{wn:behead.v.01}")
and matches its synonyms (behead, decapitate).

  {wn:NAME}   the lemmas of synset NAME (lemma.pos.NN, NN = the lemma's sense number)
  {wn+:NAME}  the same plus the lemmas of every hyponym (troponym for verbs) below it
  {wn:NAME!word!word}  without the words named after '!' (spaces written '_')

A word is kept only where this concept is its first (most frequent) sense in WordNet, so that
"mate" or "couple" do not stand for copulate; the lemma the reference names is always kept.

Source: Princeton WordNet 3.0, Debian package wordnet-base (pinned in tools/wordnet_common.py).
Usage: python3 tools/import_wordnet_safety.py   (from anywhere; needs apt package wordnet-base)
"""
import os
import re

from wordnet_common import LICENCE, PINNED_VERSION, check_version, lines

ROOT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES = os.path.join(ROOT_DIR, "data", "safety", "rules.tsv")
OUT = os.path.join(ROOT_DIR, "data", "safety", "wordnet_synonyms.tsv")
FILES = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}
REF = re.compile(r"\{(wn\+?):([a-z0-9_'.!-]+)\}")

HEADER = f"""\
# safety/wordnet_synonyms.tsv - the words of each WordNet concept that data/safety/rules.tsv
# names as "{{wn:lemma.pos.NN}}" (the synset) or "{{wn+:lemma.pos.NN}}" (with its hyponyms).
#
# Source: Princeton WordNet 3.0 (2006), Debian package wordnet-base {PINNED_VERSION}. Generated
# by tools/import_wordnet_safety.py from the references in rules.tsv. Do not edit by hand: edit
# rules.tsv and rerun  python3 tools/import_wordnet_safety.py
#
{LICENCE}#
# Columns (TAB-separated, 2 per line): reference, its words separated by "|".
"""


def load(pos):
    """data.<pos>: offset -> (lemmas, hyponym offsets)."""
    syn = {}
    for line in lines("data." + FILES[pos]):
        head = line.partition(" | ")[0].split()
        nwords = int(head[3], 16)
        words = [re.sub(r"\(.*\)$", "", head[4 + 2 * i]) for i in range(nwords)]
        i = 4 + 2 * nwords
        hypo = [head[i + 2 + 4 * k] for k in range(int(head[i]))
                if head[i + 1 + 4 * k] in ("~", "~i")]
        syn[head[0]] = (words, hypo)
    return syn


def index(pos):
    idx = {}
    for line in lines("index." + FILES[pos]):
        fld = line.split()
        idx[fld[0]] = fld[-int(fld[2]):]
    return idx


def main():
    check_version()
    with open(RULES, encoding="utf-8") as f:
        text = "".join(line for line in f if not line.startswith("#"))
    refs = sorted(set(REF.findall(text)))
    synsets, indexes = {}, {}
    rows = []
    for kind, spec in refs:
        name, *dropped = spec.split("!")
        lemma, pos, num = name.rsplit(".", 2)
        p = "a" if pos == "s" else pos
        if p not in synsets:
            synsets[p], indexes[p] = load(p), index(p)
        offsets = indexes[p].get(lemma)
        if not offsets or int(num) > len(offsets):
            raise SystemExit(f"rules.tsv names {name}, which WordNet 3.0 does not have")
        todo, seen, words = [offsets[int(num) - 1]], set(), []
        while todo:
            off = todo.pop(0)
            if off in seen:
                continue
            seen.add(off)
            w, hypo = synsets[p][off]
            for x in w:
                x = x.lower()
                first = indexes[p].get(x, [None])[0] == off
                if (first or x == lemma) and x not in dropped:
                    words.append(x.replace("_", " "))
            if kind == "wn+":
                todo += hypo
        uniq = list(dict.fromkeys(words))
        rows.append((f"{kind}:{spec}", " | ".join(uniq)))
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(HEADER)
        for ref, words in rows:
            f.write(f"{ref}\t{words}\n")
    print(f"wrote {len(rows)} references to {OUT}")


if __name__ == "__main__":
    main()
