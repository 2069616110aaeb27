#!/usr/bin/env python3
"""Writes data/context/events.tsv: named historical events (battles, wars, sieges, revolutions,
treaties, dynasties, empires, historic periods) from Princeton WordNet 3.0 as packaged by Debian
(wordnet-base, pinned in tools/wordnet_common.py), with years parsed from the glosses and a
place id where WordNet names the place.

WordNet names events as instance nouns (Waterloo is an instance of pitched_battle) and, for
dynasties and a few others, as capitalised ordinary hyponyms (Ming_dynasty). Both are taken from
below the roots listed here; nothing is edited by hand: change the lists and rerun.

Usage: python3 tools/import_wordnet_events.py   (from anywhere; needs apt package wordnet-base)
"""
import os
import re

from wordnet_common import (LICENCE, PINNED_VERSION, check_version, load_index, load_synsets,
                            synset_name)

ROOT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT_DIR, "data", "context", "events.tsv")
PLACES = os.path.join(ROOT_DIR, "data", "places", "places.tsv")

# Root synsets and the kind they give. An event takes the kind of the nearest root above it
# (Alamo is a siege before it is a massacre). Order breaks ties.
ROOTS = {
    "01075117": "siege",       # siege.n.01
    "00952963": "battle",      # military_action.n.01: battles, naval battles, assaults
    "00968155": "battle",      # campaign.n.03 'military campaign' (Okinawa, Wilderness)
    "00955060": "battle",      # operation.n.05 'military operation' (Iwo Jima, Desert Storm)
    "00973077": "war",         # war.n.01
    "00962722": "revolution",  # revolution.n.02 'overthrow of a government'
    "07424109": "revolution",  # revolution.n.01 'a drastic change' (Cultural Revolution)
    "00962129": "rebellion",   # rebellion.n.02, insurrection, revolt, rising, uprising
    "00963896": "rebellion",   # mutiny.n.01
    "01145015": "rebellion",   # coup_d'etat.n.01
    "00976531": "invasion",    # invasion.n.01
    "00089027": "invasion",    # conquest.n.01 (Norman Conquest)
    "06773434": "treaty",      # treaty.n.01
    "06773976": "treaty",      # peace.n.05 'peace treaty'
    "06774316": "treaty",      # convention.n.03 'international agreement'
    "06772260": "treaty",      # covenant.n.01
    "00968479": "expedition",  # expedition.n.01 'military expedition' (Crusades)
    "08409130": "expedition",  # expedition.n.02 'group undertaking a journey'
    "07971582": "dynasty",     # dynasty.n.01
    "08557482": "empire",      # empire.n.01 'domain ruled by an emperor'
    "08052413": "empire",      # empire.n.02 'group of countries under a single authority'
    "08405723": "empire",      # empire.n.03 'monarchy with an emperor'
    "01246697": "other",       # terrorist_attack.n.01 (9/11; below military operation too)
    "00223983": "other",       # slaughter.n.03, massacre
    "01245159": "other",       # genocide.n.01
    "00421210": "other",       # pogrom.n.01
    "15254028": "other",       # historic_period.n.01 (Renaissance, Middle Ages)
    "15248564": "other",       # era.n.01 (Christian era, Caliphate)
}
# Roots whose direct instances only are taken (the prehistoric ages are instances of
# time_period.n.01, whose other hyponyms are days, holidays and geological periods).
DIRECT_ROOTS = {"15113229": "other"}
# Every other instance noun of these lexicographer files is a named act or event too
# (Boston Tea Party, Berlin airlift, Watergate): taken with kind `other`.
EVENT_LEXFILES = {4: "noun.act", 11: "noun.event"}

# Words that mark a phrase as an event name; a bare name without one is ambiguous.
EVENT_WORDS = {"battle", "battles", "siege", "war", "wars", "revolt", "rebellion", "revolution",
               "mutiny", "uprising", "rising", "insurrection", "treaty", "peace", "convention",
               "pact", "accord", "crusade", "expedition", "massacre", "dynasty", "house", "line",
               "empire", "era", "age", "ages", "period", "campaign", "conquest", "invasion",
               "operation", "offensive", "raid", "stand", "party", "airlift", "compromise",
               "renaissance", "reformation", "conference", "inquisition", "day"}
# Bare battle, siege and dynasty names are usually places or family names (Atlanta, Marathon,
# Tudor): they are written with the kind word instead.
PREFIX = {"battle": "battle of {}", "siege": "siege of {}", "dynasty": "{} dynasty"}

# A place named in a gloss counts only after one of these words (see located()).
LOCATIVE = {"in", "at", "near", "off", "across", "throughout", "within", "ruled", "ruling",
            "into", "invaded", "invading", "conquered"}
LOCATIVE_OF = {"dynasty", "dynasties", "empire", "kingdom", "history", "coast", "island",
               "islands", "city", "part", "parts", "province", "government", "settlement"}
NOT_YEAR_AFTER = re.compile(r"\s*(?:men|soldiers|troops|ships|people|persons|miles|km|kilometers|"
                            r"feet|killed|dead|years|days|hours|casualties|prisoners|horses|"
                            r"warriors|knights|members|delegates|%|percent)\b")
BC = r"(?:bc|b\.c\.|bce|b\.c\.e\.)"
AD = r"(?:ad|a\.d\.|ce|c\.e\.)"


def ordinary_words(syn):
    """Nouns written in lowercase in some synset, and adjectives: a one-word event name that is
    also an ordinary word (restoration, fall, crusade, baroque) would fire on everyday prompts.
    (index.noun is all lowercase, so the case has to come from data.noun.)"""
    words = {w.lower() for s in syn.values() for w in s["words"] if w == w.lower()}
    return words | set(load_index("adj"))


def load_places():
    """places.tsv: name -> place id, and the names of present-day places (all kinds but
    'historical'), which an event phrase must not take over (russia is a country today)."""
    places, current = {}, set()
    with open(PLACES, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, pid, kind = line.rstrip("\n").split("\t")[:3]
                places[name] = pid
                if kind != "historical":
                    current.add(name)
    return places, current


def phrase(word):
    """WordNet lemma -> lowercase words separated by single spaces; apostrophes dropped."""
    text = word.replace("_", " ").replace("-", " ").replace("'", "").replace(".", " ").lower()
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", " ", text)).strip()


def hyper(s):
    return [o for p, o in s["ptrs"] if p in ("@", "@i")]


def collect(syn):
    """Event synsets -> kind: instances and capitalised hyponyms below a root, direct instances
    of DIRECT_ROOTS, and every other instance noun of EVENT_LEXFILES."""
    below, stack = set(), list(ROOTS)
    while stack:
        off = stack.pop()
        if off not in below:
            below.add(off)
            stack.extend(o for p, o in syn[off]["ptrs"] if p in ("~", "~i"))
    events = {}
    for off in below:
        s = syn[off]
        if s["instance"] or s["words"][0][0].isupper():
            events[off] = nearest_kind(off, syn)
    for off, s in syn.items():
        if off in events:
            continue
        if any(h in DIRECT_ROOTS for p, h in s["ptrs"] if p == "@i"):
            events[off] = "other"
        elif s["instance"] and s["lex"] in EVENT_LEXFILES:
            events[off] = "other"
    return events


def nearest_kind(off, syn):
    """Breadth-first up the hypernym links; the first root met gives the kind."""
    level, seen = [off], set()
    while level:
        hits = [ROOTS[o] for o in ROOTS if o in level and o != off]
        if hits:
            return hits[0]
        seen.update(level)
        level = [h for o in level for h in hyper(syn[o]) if h not in seen]
    return "other"


def parse_years(gloss):
    """Years named in a gloss, as (FROM, TO) or None; TO may be 'now'. Quoted examples are cut
    off first. An explicit range ('1861-1865', 'from 1644 to 1912', '(415-413 BC)', '1942-43',
    'between 1337 and 1453', '11th to 13th centuries') wins; else 'since 1917' gives 1917..now;
    else the earliest to the latest single year, decade or century named."""
    text = gloss.split('; "')[0].lower()
    text = re.sub(r"(\d),(\d{2,3})\b", r"\1\2", text)  # 8,500 years bc; WordNet also has 750,00
    spans, ranges = [], []
    cent = r"(\d{1,2})(?:st|nd|rd|th)"
    joined = r"(?:\s+(?:and|to|through|or|-)\s+(?:the\s+)?(?:middle\s+of\s+the\s+)?" + cent + r")?"
    for m in re.finditer(cent + joined + r"\s+centur(?:y|ies)(\s+" + BC + r")?", text):
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        span = (-a * 100, -(b - 1) * 100 - 1) if m.group(3) else ((a - 1) * 100 + 1, b * 100)
        (ranges if m.group(2) else spans).append(span)
    text = re.sub(cent + r"[^;]*?centur(?:y|ies)", " ", text)
    for m in re.finditer(r"\b(\d{3})0'?s\b", text):
        spans.append((int(m.group(1)) * 10, int(m.group(1)) * 10 + 9))
    year = r"(?:(" + AD + r")\s+)?(\d{1,6})(?:\s*(?:years\s+)?(" + BC + r"|" + AD + r"))?"
    joiner = r"\s*(?:-|to|and|until|till|through)\s*"
    for m in re.finditer(r"(?<![\d.])" + year + r"(?:" + joiner + year + r")?(?![\d.])", text):
        if NOT_YEAR_AFTER.match(text, m.end()):
            continue
        bc_both = m.group(6) and re.fullmatch(BC, m.group(6)) and not m.group(3)
        first = to_year(m.group(1), m.group(2), m.group(3) or (m.group(6) if bc_both else None))
        second = to_year(m.group(4), m.group(5), m.group(6)) if m.group(5) else None
        if first and m.group(5) and len(m.group(5)) <= 2 < len(m.group(2)) and not m.group(6):
            second = first // 100 * 100 + int(m.group(5))  # '1942-43'
        if m.group(5) and text[:m.start()].endswith("from ") and not (m.group(3) or m.group(6)):
            first, second = int(m.group(2)), int(m.group(5))  # 'from 69 to 96'
        if first is not None and second is not None and first <= second:
            ranges.append((first, second))
        else:
            spans += [(y, y) for y in (first, second) if y is not None]
    since = re.search(r"\bsince\s+(\d{3,4})\b", text)
    if ranges:
        return ranges[0]
    if since and len(spans) == 1:
        return int(since.group(1)), "now"
    if spans:
        return min(a for a, _ in spans), max(b for _, b in spans)
    return None


def to_year(ad, digits, marker):
    """A number is a year when it has 3-4 digits (100..2008) or carries a BC/AD marker."""
    n = int(digits)
    if marker and re.fullmatch(BC, marker):
        return -n if n else None
    if (ad or marker) and 0 < n <= 2008:
        return n
    return n if 100 <= n <= 2008 and len(digits) in (3, 4) else None


def place_of(off, syn, places):
    """Place id: the event's own name when places.tsv has it (historical states); else WordNet's
    region domain pointer (;r, climbing part-of links until a places.tsv name is met); else the
    one place id that the gloss names as the location; `-` when none or several."""
    own = {places[phrase(w)] for w in syn[off]["words"] if phrase(w) in places}
    if len(own) == 1:
        return own.pop()  # the event is itself a historical place there (roman empire -> it)
    for region in (o for p, o in syn[off]["ptrs"] if p == ";r"):
        level = [region]
        for _ in range(6):
            ids = {places[phrase(w)] for o in level for w in syn[o]["words"] if phrase(w) in places}
            if len(ids) == 1:
                return ids.pop()
            if ids:
                break
            level = [h for o in level for p, h in syn[o]["ptrs"] if p == "#p"]
    words = phrase(syn[off]["gloss"].split('; "')[0]).split()
    found = set()
    for i in range(len(words)):
        for n in range(5, 0, -1):
            name = " ".join(words[i:i + n])
            if name in places and located(words[:i]):
                found.add(places[name])
                break
    return found.pop() if len(found) == 1 else "-"


def located(before):
    """Whether the words before a place name make it the event's location ('in Ireland', 'the
    dynasty of China') rather than a party to it ('against Great Britain', 'west of Israel')."""
    before = [w for w in before[-3:] if w != "the"]
    if not before:
        return False
    if before[-1] in LOCATIVE:
        return True
    return before[-1] == "of" and len(before) > 1 and before[-2] in LOCATIVE_OF


def phrases_of(off, kind, syn, current, ordinary, idx):
    """(phrase, lemma) pairs for one synset: its lemmas, with bare battle, siege and dynasty
    names written with the kind word; names of present-day places, one-word ordinary WordNet
    words and names with digits but no event word (9/11) left out."""
    out = []
    for lemma in syn[off]["words"]:
        f = phrase(lemma)
        marked = bool(EVENT_WORDS & set(f.split()))
        if not marked and re.search(r"\d", f):
            continue  # '9 11', 'sep 11'
        if not marked and kind in PREFIX:
            # A bare name whose only sense is the event is the event ("at Dien Bien Phu", "at
            # Thermopylae"): it is kept too, unless it is a place or an ordinary word.
            if (idx.get(lemma.lower(), []) == [off] and kind != "dynasty" and f not in current
                    and f not in ordinary):
                out.append((f, lemma.lower()))
            f = PREFIX[kind].format(f)  # 'atlanta' -> 'siege of atlanta'
        if f in current or (" " not in f and f in ordinary):
            continue  # 'russia' (the empire) is a country in places.tsv; 'crusade' a word
        out.append((f, lemma.lower()))
    return out


HEADER = """\
# context/events.tsv - named historical events: battles, wars, sieges, rebellions, revolutions,
# invasions, treaties, expeditions, dynasties, empires and historic periods.
#
# Source: Princeton WordNet 3.0 (2006), Debian package wordnet-base {version} (files under
# /usr/share/wordnet); place ids from data/places/places.tsv. Generated by
# tools/import_wordnet_events.py, which refuses any other package version. Do not edit by
# hand: change the script and rebuild with   python3 tools/import_wordnet_events.py
# Rows: {rows} phrases for {events} events; {dropped} more events had no usable phrase.
# Events by kind: {kinds}.
# Years parsed for {dated} of {events} events ({rate}%); place ids for {placed}.
#
{licence}#
# Which events: instance nouns, and capitalised hyponyms (Ming_dynasty), below these roots; an
# event takes the kind of the nearest root above it (Alamo: siege before massacre):
{roots}
# plus the direct instances of time_period.n.01 (Bronze Age, Neolithic; kind other) and every
# other instance noun of noun.act and noun.event (Boston Tea Party, Watergate; kind other).
# WordNet 3.0 holds few events (no Taiping Rebellion, no Boxer Rebellion, no Easter Rising).
#
# Columns (TAB-separated, `-` = nothing):
#  1 phrase  a lemma of the event's synset: lowercase ASCII words separated by single spaces,
#            apostrophes dropped, hyphens and dots written as spaces. A bare battle or siege name
#            is written "battle of X" / "siege of X" and a bare dynasty name "X dynasty" (WordNet
#            has Blenheim -> battle of blenheim; Atlanta -> siege of atlanta; Tudor -> tudor
#            dynasty); the bare name is kept too when the event is its only WordNet sense
#            (dien bien phu, thermopylae). Left out: names of present-day places in places.tsv (russia), one-word names
#            that are also ordinary lowercase WordNet nouns or adjectives (restoration, fall,
#            crusade), and names with digits but no event word (9/11). A phrase that names two
#            events (siege of syracuse, battle of the somme, gulf war) goes to the one listed
#            first among the lemma's senses in index.noun, which is not always the better known.
#  2 kind    battle | war | siege | rebellion | revolution | invasion | treaty | dynasty | empire |
#            expedition | other
#  3 era     FROM..TO in years, negative for BC; a single year as Y..Y; TO is `now` for 'since
#            1917'; `-` when the gloss gives no date (the planner reads it as historical, date
#            unknown). Parsed from the gloss with its quoted examples cut off: the first explicit
#            range wins ('1861-1865', 'from 1644 to 1912', '(415-413 BC)', '1942-43', 'between
#            1337 and 1453', 'from 206 BC to AD 220', 'the 11th to 13th centuries'); else the
#            earliest to the latest year, decade ('the 1920s') or century ('the 6th century BC' ->
#            -600..-501) named. A year is a 3-4 digit number up to 2008, any number marked BC/AD,
#            or a number in 'from N to M'; numbers followed by men, troops, ships, years... are not.
#            Limits, not corrected by hand: a gloss that names an earlier or later event widens
#            the span (Seventh Crusade 1244..1249, 1244 being the loss of Jerusalem); 'either of
#            two battles' spans both (Chaeronea -338..-86); a gloss giving only the start year
#            gives Y..Y (Cultural Revolution 1965..1965, Ottoman dynasty '13th century' 1201..1300).
#  4 place   a place id: the event's own id when places.tsv lists its name as a historical place
#            (roman empire it, persia ir); else WordNet's region domain pointer (;r), followed up
#            part-of links to a places.tsv name (Blenheim -> Germany -> de); else the one place
#            id that the gloss names after 'in', 'at', 'near', 'off', 'ruled', 'dynasty of'...
#            (a place named after 'against' or 'west of' is a party or a landmark, not where it
#            happened); `-` when none, or when the gloss names places with different ids. Wars
#            with a region pointer keep it (Korean War kr) even where context/eras.tsv would
#            write `-` for a war between peoples of different places.
#  5 synset  n + the WordNet 3.0 offset of the event's synset (an event can have several rows).
"""


def main():
    check_version()
    syn, idx, (places, current) = load_synsets(), load_index(), load_places()
    ordinary, events, rows = ordinary_words(syn), collect(syn), {}
    for off in sorted(events):
        era, place = parse_years(syn[off]["gloss"]), place_of(off, syn, places)
        era = f"{era[0]}..{era[1]}" if era else "-"
        for p, lemma in phrases_of(off, events[off], syn, current, ordinary, idx):
            # a phrase naming two events (the two sieges of Syracuse, 'gulf war') goes to the
            # one that comes first among the senses of that lemma in index.noun
            rank = idx[lemma].index(off) if off in idx.get(lemma, []) else 99
            if p not in rows or rank < rows[p][0]:
                rows[p] = (rank, (p, events[off], era, place, "n" + off))
    rows = sorted(r for _, r in rows.values())
    listed = {r[4]: r for r in rows}  # one row per event is enough for the counts
    kinds = {}
    for r in listed.values():
        kinds[r[1]] = kinds.get(r[1], 0) + 1
    dated = sum(1 for r in listed.values() if r[2] != "-")
    roots = [f"{synset_name(o, syn, idx)} {k}" for o, k in ROOTS.items()]
    text = HEADER.format(
        version=PINNED_VERSION, licence=LICENCE, rows=len(rows), events=len(listed), dated=dated,
        rate=round(100 * dated / len(listed)), dropped=len(events) - len(listed),
        placed=sum(1 for r in listed.values() if r[3] != "-"),
        kinds=", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])),
        roots="\n".join("#   " + ", ".join(roots[i:i + 4]) for i in range(0, len(roots), 4)))
    with open(OUT, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
        for r in rows:
            f.write("\t".join(r) + "\n")
    print(f"wrote {OUT}: {len(rows)} rows for {len(listed)} events, {dated} dated")


if __name__ == "__main__":
    main()
