#!/usr/bin/env python3
"""Writes data/people/wordnet_people.tsv: English nouns that denote a person or a group of people,
taken from Princeton WordNet 3.0 as packaged by Debian (wordnet-base, pinned in
tools/wordnet_common.py).

A noun qualifies through its senses: a sense qualifies when its synset lies below one of the
person or group roots (hyponym links only; instance links are never followed, so named people,
armies and dynasties stay out) and is not inside one of the pruned subtrees. Each lemma gets one
row describing the first (most frequent) of its senses that qualifies, with a flag saying whether
that sense is the lemma's most frequent noun sense; the planner decides from the flag how far to
trust the word. Nothing is edited by hand: change the lists below and rerun.

Usage: python3 tools/import_wordnet_people.py   (from anywhere; needs apt package wordnet-base)
"""
import os
import re
import textwrap

from wordnet_common import (LICENCE, PINNED_VERSION, check_version, is_below, lines,
                            load_index, load_synsets, synset_name)

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   "data", "people", "wordnet_people.tsv")

# Roots (WordNet 3.0 noun synset offsets). Everything below them via hyponym (~) links qualifies.
PERSON_ROOTS = {"00007846": "a human being", "02472293": "human, human being"}
PERSON_LEXFILE = 18  # noun.person: also take any non-instance synset filed there
GROUP_ROOTS = {
    "07950920": "people sharing some social relation",
    "07942152": "any group of human beings collectively",
    "08160276": "the body of citizens of a state",
    "08180190": "the common people generally",
    "08179879": "the people who inhabit a territory",
    # The following lie inside social_group but under a pruned subtree; re-admitted by name.
    "08310949": "a body serving in an administrative capacity",
    "08324514": "a special group delegated to consider some matter",
}
# Subtrees of the group roots whose members are institutions, firms, places, events or forms
# of government rather than bodies of people one could draw (school, bank, firm, city, dinner
# party, democracy). Pruned whole; see the header for the list.
GROUP_PRUNE = {
    "08053576": "schools, banks, companies, religions", "08056231": "firms, industries, carriers",
    "08009834": "charities, denominations", "08077292": "agencies, divisions, bureaus",
    "08168978": "nations and countries as political units", "08304895": "unions of states",
    "08367880": "democracy, monarchy, oligarchy as forms of government",
    "08146593": "hospital units", "08145701": "a post office department",
    # 'the people living in a city/village/street': real WordNet senses, but the word's
    # everyday sense in prompts is the place
    "08225581": "city, town, borough as their people", "08225090": "people living nearby",
    "08226699": "a community smaller than a town", "08226978": "a community smaller than a village",
    "08225426": "people living or working on the same street",
    "08252211": "parties, dinners, dates, balls: occasions", "08408557": "trade fair",
    "08408267": "county fair", "08183398": "includes traffic jam, gridlock",
    "08275185": "schools of painters: pointillism", "08103635": "language families",
    "08464601": "movements and -isms in art and religion", "07966140": "cultures, civilisations",
    "08288753": "youth cultures",
}
MALE_ROOTS = ("09624168",)    # male.n.02 'male person' (includes man.n.01, boy)
FEMALE_ROOTS = ("09619168",)  # female.n.02 'female person' (includes woman.n.01, girl)
# A gloss that opens by naming the gender: 'a woman who', 'a male sovereign', 'an old man', or a
# kin word, 'the sister of your father' (aunt), 'a son of your brother' (nephew), 'a nobleman'.
KIN_GENDER = {"mother": "woman", "sister": "woman", "daughter": "woman", "wife": "woman",
              "aunt": "woman", "niece": "woman", "widow": "woman", "grandmother": "woman",
              "noblewoman": "woman", "father": "man", "brother": "man", "son": "man",
              "husband": "man", "uncle": "man", "nephew": "man", "widower": "man",
              "grandfather": "man", "nobleman": "man"}
# Up to four words may come first ('an informal term for a father'), but not across 'or', 'and',
# a relative pronoun or a possessive ('a father or mother', 'someone who murders his wife').
GENDER_GLOSS = re.compile(r"^(?:\([^)]*\)\s*)?(?:(?:an?|the|your)\s+)?(?:(?!(?:or|and|who|whose|"
                          r"that|which|of|his|her|their|your|its)\b)[a-z-]+\s+){0,4}?"
                          r"(man|woman|male|female|boy|girl|men|women|" + "|".join(KIN_GENDER)
                          + r")\b(?!'s)(?!\s+or\b)")
# A last word that states the gender (fireman, policewoman, housewife, cowboy, schoolgirl) when
# WordNet's hypernyms and gloss do not; the neutral -man words are listed.
WORD_GENDER = re.compile(r"(?:^|[_-]|[a-z])(woman|wife|girl|lady|man|boy)$")
GENDER_NEUTRAL = {"freshman", "everyman", "human", "leman", "midwife"}
# A gloss alone ('a man who delivers the mail', 'an enlisted man') often describes the typical
# holder of a role, not the word. It is trusted only when the lemma also carries a gender mark
# (a gendered word or a feminine suffix: ambassadress, usherette, masseuse, goddaughter) or the
# synset has a WordNet antonym that is a person (king/queen, husband/wife, brother/sister).
GENDER_MARK = re.compile(r"(man|men|boy|girl|lady|wife|husband|mother|father|son|daughter|"
                         r"brother|sister|uncle|aunt|nephew|niece|king|queen|prince|princess|"
                         r"maid|mistress|master|widow|widower|bride|groom|male|female|"
                         r"ess|ette|trix|enne|euse|ine|ina|ee)$")
GENDER_WORDS = {"man": "man", "men": "man", "male": "man", "boy": "man", "woman": "woman",
                "women": "woman", "female": "woman", "girl": "woman", "wife": "woman",
                "lady": "woman"}

# WordNet's own usage labels for slurs and insults (chink, wetback, faggot, white trash).
OFFENSIVE = re.compile(r"\(ethnic slur\)|offensive (term|name|word)|\((sometimes )?offensive|"
                       r"disparaging term|derogatory term|\(vulgar")

# Regular plural rules. WordNet itself only lists irregular plurals (noun.exc).
PREPOSITIONS = {"of", "in", "at", "on", "to", "for", "de", "du", "del", "la", "le", "by", "up",
                "about", "with", "from"}
INVARIANT = {"sheep", "deer", "swine", "corps", "samurai", "ronin"}
# Mass collectives with no plural in use (polices would be the verb).
MASS_COLLECTIVE = {"police", "personnel", "gentry", "laity", "peasantry", "soldiery", "citizenry",
                   "yeomanry", "cavalry", "infantry", "artillery", "musketry", "clergy", "royalty",
                   "nobility", "riffraff", "brass", "intelligentsia", "literati", "culturati",
                   "bourgeoisie", "proletariat", "mankind", "humankind", "womankind",
                   "womanhood", "manhood", "commonalty", "commonality", "manpower"}
EXC_FORMS = set()  # every form noun.exc lists as a plural (filled by load_plurals)
# Irregular patterns trusted from noun.exc: (singular ending, plural ending).
IRREGULAR = [("us", "i"), ("a", "ae"), ("um", "a"), ("on", "a"), ("is", "es"), ("ex", "ices"),
             ("ix", "ices"), ("f", "ves"), ("fe", "ves"), ("man", "men"), ("child", "children"),
             ("foot", "feet"), ("tooth", "teeth"), ("goose", "geese"), ("mouse", "mice"),
             ("louse", "lice"), ("ox", "oxen"), ("o", "oes"), ("eau", "eaux")]
# Adjectives that follow their noun: the noun takes the plural (attorneys general, heirs
# apparent, notaries public, poets laureate, princes consort), but not major/lieutenant generals.
POSTPOSITIVE = {"general", "apparent", "presumptive", "public", "laureate", "regnant", "consort",
                "royal"}
# Words ending in -man that are not compounds of man (plural -s, no gender from the ending).
MAN_NOT_COMPOUND = {"human", "shaman", "talisman", "ottoman", "caiman", "cayman", "desman",
                    "dolman", "brahman", "german", "ataman", "hetman", "dragoman", "mussulman",
                    "musulman", "superhuman", "subhuman", "nonhuman", "leman", "yeggman"}


def load_plurals():
    """noun.exc lists 'plural base...' so that WordNet's lemmatiser can read irregular and also
    archaic or wrong forms (brethren, dui, soprani, patriarches). Read backwards it gives the
    plural of a base, but only compounds (men-at-arms, mothers-in-law) and the classic irregular
    patterns are taken from it; for the rest the regular rules are better."""
    plural = {}
    for line in lines("noun.exc"):
        form, *bases = line.split()
        EXC_FORMS.add(form)
        for base in bases:
            irregular = any(base.endswith(a) and form == base[:len(base) - len(a)] + b
                            for a, b in IRREGULAR) or form == base.replace("man", "men", 1) + "s"
            if phrase(form) != phrase(base) and (irregular or re.search(r"[_-]", base)):
                plural.setdefault(phrase(base), phrase(form))
    return plural


def below(syn, roots, prune=()):
    """All synsets reachable from roots by hyponym links (~ only, never instance ~i)."""
    seen, stack = set(), list(roots)
    while stack:
        off = stack.pop()
        if off in seen or off in prune:
            continue
        seen.add(off)
        stack.extend(o for p, o in syn[off]["ptrs"] if p == "~")
    return seen


def pluralise_word(w, exc):
    """Plural of one word: WordNet's irregular plural, else the English rules in the header."""
    if w in exc:
        return exc[w]
    if w in INVARIANT or w.endswith("sheep"):
        return w
    if w.endswith("person"):
        return w[:-6] + "people"
    if w.endswith("child"):
        return w + "ren"
    if w.endswith("man") and w not in MAN_NOT_COMPOUND:
        return w[:-3] + "men"
    if w.endswith("wife"):
        return w[:-4] + "wives"
    if w.endswith("arch") or w == "eunuch":
        return w + "s"  # monarchs, patriarchs: a hard ch
    if w.endswith("erby"):
        return w[:-2] + "sby"  # passersby
    if re.search(r"(s|x|z|ch|sh)$", w):
        return w + "es"
    if re.search(r"[^aeiou]y$", w):
        return w[:-1] + "ies"
    return w + "s"


def head_index(words):
    """Which word of a compound takes the plural: the word before the first preposition when
    more words follow it (men of letters, commanders in chief), or before a final particle when
    it is an agent noun (passers by); the noun before a postpositive adjective (attorneys
    general); otherwise the last word (stand ins, major generals)."""
    for i in range(1, len(words)):
        if words[i] in PREPOSITIONS:
            if i < len(words) - 1 or re.search(r"(er|or)$", words[i - 1]):
                return i - 1
            break
    if len(words) > 1 and words[-1] in POSTPOSITIVE and \
            words[-2] not in ("major", "lieutenant", "brigadier"):
        return len(words) - 2
    return len(words) - 1


def is_plural_word(w, idx):
    """An already plural head: an -s form of another noun lemma (troops, allies), or a
    -men/-people/-folk/-children word (businessmen, tradespeople, kinsfolk)."""
    if re.search(r"(men|people|folk|children)$", w) and w not in MAN_NOT_COMPOUND:
        return True
    if not ends_in_s(w):
        return False
    return w[:-1] in idx or (w.endswith("es") and w[:-2] in idx) or \
        (w.endswith("ies") and w[:-3] + "y" in idx)


def ends_in_s(w):
    """An -s ending that may be a plural (not boss, genius, axis, jealous)."""
    return w.endswith("s") and not re.search(r"(ss|us|is|ous)$", w)


def plural_of(lemma, off, syn, idx, exc, person):
    """Column 2. `exc` is keyed by phrase so that court-martial finds courts_martial."""
    key = phrase(lemma)
    if key in exc:
        return exc[key]
    words = key.split(" ")
    h = head_index(words)
    if words[h] in INVARIANT:
        return "="
    gloss = syn[off]["gloss"].lower()
    if (gloss.startswith("(plural)") or re.fullmatch(r"(some|any|every|no)(one|body)", key)
            or "collectively" in gloss.split(";")[0]
            or "(considered as a group)" in gloss or words[h] in MASS_COLLECTIVE
            or is_plural_word(words[h], idx) or lemma in EXC_FORMS):
        return "-"
    if ends_in_s(words[h]):
        # an -s word that is no other lemma's plural: a group is a plural (bikers, paratroops),
        # a person word is singular with the same plural (butterfingers, lazybones, sawbones)
        return "-" if syn[off]["lex"] == 14 or off not in person else "="
    words[h] = pluralise_word(words[h], exc)
    plural = " ".join(words)
    return "=" if plural == key else plural


def phrase(lemma):
    """WordNet lemma -> table phrase: words separated by single spaces, apostrophes dropped
    (the planner's lexer drops inner apostrophes too)."""
    return re.sub(r"\s+", " ", lemma.replace("_", " ").replace("-", " ").replace("'", "")).strip()


def gender_of(lemma, off, syn, male, female, person):
    """Column 3, from the qualifying sense: WordNet's hypernyms (below male/female person), a
    gloss that opens by naming the gender when the word is marked too, or the last word."""
    last = re.split(r"[_-]", lemma)[-1]
    if last in GENDER_NEUTRAL:
        return "-"
    g = {"man"} if off in male else set()
    g |= {"woman"} if off in female else set()
    m = GENDER_GLOSS.match(syn[off]["gloss"].lower())
    marked = any(GENDER_MARK.search(w) for w in re.split(r"[_-]", lemma)) or \
        any(p == "!" and o in person for p, o in syn[off]["ptrs"])
    if m and m.group(1) in KIN_GENDER and not g:
        g.add(KIN_GENDER[m.group(1)])  # kin and rank words are gendered words themselves
    elif m and marked and not g:
        g.add(GENDER_WORDS[m.group(1)])
    w = WORD_GENDER.search(lemma)
    if w and not g and last not in MAN_NOT_COMPOUND:
        g.add(GENDER_WORDS[w.group(1)])
    return g.pop() if len(g) == 1 else "-"


# Column 7 (like): the words a role can inherit the planner's historical rules from, read off
# WordNet's hypernym (@) and member-meronym (%m, 'has member') pointers.
LIKE_MAX = 8               # a few close words are useful; a long tail is mostly generic
PERSON_LIKE_LEVELS = 4     # paratrooper -> soldier -> enlisted person -> serviceman -> ...
GROUP_MEMBER_LEVELS = 3    # members of the group's hypernyms: crew -> unit -> ... members
GROUP_HYPERNYM_LEVELS = 2  # army -> military service -> force
# The top of WordNet's person and group trees. The walk stops before these synsets (neither
# their lemmas nor their members are taken, nor anything above them): every person is a
# 'person' and every group an 'organization', so they tell the planner nothing, and the
# organization synset's members (quorum, membership, rank) are not people at all.
LIKE_STOP = {
    "00007846": "person, individual, someone, somebody, mortal, soul",
    "02472293": "homo, man, human being, human",
    "00004475": "organism, being", "00007347": "causal agent, cause, causal agency",
    "00004258": "living thing, animate thing", "00003553": "whole, unit",
    "00002684": "object, physical object", "00001930": "physical entity", "00001740": "entity",
    "00031264": "group, grouping", "00002137": "abstraction, abstract entity",
    "07950920": "social group", "08008335": "organization, organisation",
    "08189659": "unit, social unit",
}
# Generic words never listed even when another synset carries them as a lemma (people.n.01 has
# member 'person'; 'whole, unit' and 'army unit' are different synsets but 'unit' is as vague).
LIKE_GENERIC = {"person", "individual", "someone", "somebody", "mortal", "soul", "human",
                "organism", "being", "causal agent", "physical entity", "entity", "object",
                "whole", "living thing", "group", "social group", "organization", "organisation",
                "unit"}


def hypernym_levels(off, syn, depth):
    """The synsets above `off`, breadth-first by distance: [[parents], [grandparents], ...], at
    most `depth` levels, each synset once (at its nearest level), WordNet's pointer order kept
    within a level. The walk does not enter LIKE_STOP synsets, so it ends below person.n.01 or
    organization.n.01 however deep the chain is."""
    levels, seen, frontier = [], {off}, [off]
    for _ in range(depth):
        nxt = []
        for o in frontier:
            for p, t in syn[o]["ptrs"]:
                if p == "@" and t not in seen and t not in LIKE_STOP:
                    seen.add(t)
                    nxt.append(t)
        if not nxt:
            break
        levels.append(nxt)
        frontier = nxt
    return levels


def members(off, syn):
    """The synsets WordNet says `off` has as members (%m): clergy -> clergyman, crew ->
    crewman. They may be people or smaller groups (army -> army unit, corps)."""
    return [t for p, t in syn[off]["ptrs"] if p == "%m" and t not in LIKE_STOP]


def like_of(singular, off, kind, syn, proper=False):
    """Column 7: the lemmas of the related synsets in the order given, nearest first, written
    as column 1 writes a lemma but lowercased (WordNet capitalises some: Roman Catholic), without
    the row's own word, generic words, repeats, or lemmas column 1 would drop (digits, dots,
    non-ASCII); at most LIKE_MAX. A person inherits from what it is a kind of (its hypernyms);
    a group first from who its members are, own and then its hypernyms', and last from the
    kinds of group it is, which say less about the people drawn."""
    if kind == "person":
        # A capitalised word inherits from its nearest kind only: WordNet's chains above
        # adherents wander (Huguenot -> Calvinist -> necessitarian -> philosopher).
        levels = 1 if proper else PERSON_LIKE_LEVELS
        synsets = [o for level in hypernym_levels(off, syn, levels) for o in level]
    else:
        above = hypernym_levels(off, syn, GROUP_MEMBER_LEVELS)
        synsets = members(off, syn) + [m for level in above for o in level
                                       for m in members(o, syn)]
        synsets += [o for level in above[:GROUP_HYPERNYM_LEVELS] for o in level]
    out = []
    for o in synsets:
        for w in syn[o]["words"]:
            if not re.fullmatch(r"[A-Za-z][A-Za-z'_-]*[A-Za-z]", w):
                continue  # digits, dots (U._S._Army), non-ASCII
            w = phrase(w.lower())
            if w != singular and w not in LIKE_GENERIC and w not in out:
                out.append(w)
    return ",".join(out[:LIKE_MAX]) or "-"


def adjective_lemmas():
    """Lemmas that prompts mostly use as adjectives: listed in index.adj and tagged as an
    adjective at least as often as a noun in SemCor (cntlist.rev). Group nouns that are also
    adjectives are nominalised adjectives ('the rich', 'the dead') and always count."""
    counts = {}
    for line in lines("cntlist.rev"):  # sense key (lemma%pos:...), sense number, tag count
        key, _, tagged = line.split()
        lemma, pos = key.split("%")[0], key.split("%")[1][0]
        c = counts.setdefault(lemma, [0, 0])
        c[0 if pos == "1" else 1] += int(tagged) if pos in "135" else 0
    adj = {}
    for lemma in load_index("adj"):
        noun, adjective = counts.get(lemma, (0, 0))
        adj[lemma] = adjective > 0 and adjective >= noun
    return adj


def rank(flag):
    """Which row wins when two lemmas give one phrase (go-between, go_between): the better flag."""
    return ("secondary" in flag, "all" not in flag, "adj" in flag, "offensive" in flag)


ARTIST = "09812338"  # artist.n.01: a person whose creative work shows sensitivity and imagination


def is_movement(lemma, off, syn, idx):
    """An artist named for a movement: "cubist" below artist.n.01, with "cubism" a noun. Before a
    work's word the lemma names the style ("a surrealist painting"), not someone shown."""
    if not lemma.endswith("ist") or "_" in lemma or lemma[:-3] + "ism" not in idx:
        return False
    return is_below(syn, off, ARTIST)


# A capitalised person noun counts when it names a kind of person that is not a people: an
# adherent or member (Quaker, Bolshevik, Jacobite, Jesuit, Huguenot, Muslim, Democrat), a
# rank (Khedive), a unit's soldier (Anzac, Janissary). Peoples and inhabitants (American,
# Apache, Zulu) belong to the demonym tables, which know their place and ethnicity; spirits and
# myths are nobody one draws as a person (Godhead, Nereid); a gloss giving years is one
# individual WordNet files as a class (Potemkin "(1739-1791)").
NOT_PEOPLE_DEMONYM_TABLES = ("data/places/demonyms.tsv", "data/places/wordnet_demonyms.tsv")
PEOPLE_WORDS = {"inhabitant", "native", "race", "nation", "people", "ethnic group", "tribe",
                "aborigine", "aboriginal", "primitive", "primitive person", "person of color",
                "person of colour", "amerindian", "caucasian", "mongoloid", "negroid",
                "spiritual being", "imaginary being", "mythical being", "deity", "god", "nymph",
                "giant", "mythical monster"}
CAPITALISED_LEVELS = 8
YEARS = re.compile(r"\(\d{3,4}\s*-\s*\d{2,4}\)|\(born \d{4}\)|\bdied (in )?\d|\d+ (BC|AD)\b")


def demonym_words():
    words = set()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for path in NOT_PEOPLE_DEMONYM_TABLES:
        with open(os.path.join(root, path), encoding="utf-8") as f:
            for line in f:
                if not line.startswith("#") and line.strip():
                    words.add(line.split("\t")[0])
    return words


def capitalised_person_ok(lemma, written, off, syn, idx, person, demonyms):
    """Whether a capitalised non-instance person synset is a kind of person (see above)."""
    gloss = syn[off]["gloss"]
    if YEARS.search(gloss) or re.match(r"\([^)]*(astrology|mythology|testament|bible|legend)",
                                        gloss, re.I):
        return False
    # An acronym (DA, CO, GP) is too short to tell from other words; a lemma that also names an
    # individual (Einstein, Delilah, Casanova, Buddha) is first that individual.
    if written.upper() == written or len(lemma) < 4:
        return False
    if any(syn[o]["instance"] for o in idx[lemma]):
        return False
    # "Black Panther", "Green Beret": a phrase whose last word names no person is named for a
    # thing, which is what the words mean in lowercase ("a black panther in the jungle").
    words = lemma.split("_")
    if len(words) > 1 and not any(
            o in person and any(w.lower() == words[-1] and w == w.lower() for w in syn[o]["words"])
            for o in idx.get(words[-1], [])):
        return False
    # "Wave" (a woman of the US Navy's WAVES), "Treasury", "Trinity": where the word written in
    # lowercase names a thing, the thing is what prompts mean.
    for other in idx[lemma]:
        if other not in person and any(w.lower() == lemma and w == w.lower()
                                       for w in syn[other]["words"]):
            return False
    frontier, seen = [off], {off}
    for _ in range(CAPITALISED_LEVELS):
        for o in frontier:
            for w in syn[o]["words"]:
                w = phrase(re.sub(r"\(.*\)$", "", w).lower())
                if w in PEOPLE_WORDS or w in demonyms:
                    return False
        frontier = [t for o in frontier for p, t in syn[o]["ptrs"] if p == "@" and t not in seen]
        seen.update(frontier)
        if not frontier:
            break
    return True


def build_rows(syn, idx, exc):
    person = below(syn, PERSON_ROOTS)
    person |= {o for o, s in syn.items() if s["lex"] == PERSON_LEXFILE}
    group = below(syn, GROUP_ROOTS, set(GROUP_PRUNE)) - person
    male, female = below(syn, MALE_ROOTS), below(syn, FEMALE_ROOTS)
    adj = adjective_lemmas()
    demonyms = demonym_words()
    rows = {}
    for lemma, offs in idx.items():
        if not re.fullmatch(r"[a-z][a-z'_-]*[a-z]", lemma):
            continue  # digits, dots, non-ASCII
        good, proper = [], []
        for off in offs:
            s = syn[off]
            # the lemma as written in this synset must be lowercase: 'Court' the tennis player,
            # 'Marine' and demonyms ('American') are proper or capitalised nouns
            written = [w for w in s["words"] if re.sub(r"\(.*\)$", "", w).lower() == lemma]
            capitalised = bool(written) and written[0] != written[0].lower()
            proper.append(capitalised)
            if s["instance"] or not written:
                good.append(None)
            elif capitalised and not (off in person and capitalised_person_ok(
                    lemma, written[0], off, syn, idx, person, demonyms)):
                good.append(None)
            elif off in person:
                good.append("person")
            elif off in group:
                good.append("group")
            else:
                good.append(None)
        first = next((i for i, k in enumerate(good) if k), None)
        if first is None:
            continue
        flag = "secondary" if first else ("primary,all" if all(good) else "primary")
        if proper[first]:
            flag += ",proper"
            # "Marine" (the corps') and "marine" (a soldier serving at sea): where a sense
            # written in lowercase is a kind of the same thing (their hypernyms share a word),
            # the row describes it: it is the more specific one. Not "quaker" (one who quakes).
            lower = next((i for i, k in enumerate(good) if k and not proper[i]), None)
            if lower is not None:
                mine = set(like_of(phrase(lemma), offs[first], good[first], syn,
                                   True).split(","))
                theirs = like_of(phrase(lemma), offs[lower], good[lower], syn).split(",")
                if mine & set(theirs) - {"-"}:
                    first = lower
        off, kind = offs[first], good[first]
        plural = plural_of(lemma, off, syn, idx, exc, person)
        if lemma in adj and (adj[lemma] or kind == "group"):
            flag += ",adj"
        if OFFENSIVE.search(syn[off]["gloss"].lower()):
            flag += ",offensive"
        if is_movement(lemma, off, syn, idx):
            flag += ",movement"
        gender = gender_of(lemma, off, syn, male, female, person) if kind == "person" else "-"
        row = (phrase(lemma), plural, gender, kind, "n" + off, flag,
               like_of(phrase(lemma), off, kind, syn, proper[first]))
        old = rows.get(row[0])  # 'go-between' and 'go_between' give the same phrase
        if old is None or rank(flag) < rank(old[5]):
            rows[row[0]] = row
    return [rows[k] for k in sorted(rows)]


HEADER = """\
# people/wordnet_people.tsv - English nouns that denote a person or a group of people.
#
# Source: Princeton WordNet 3.0 (2006), Debian package wordnet-base {version} (files under
# /usr/share/wordnet). Generated by tools/import_wordnet_people.py, which refuses any other
# package version. Do not edit by hand: change the script and rebuild with
#     python3 tools/import_wordnet_people.py
# Rows: {n} ({persons} person, {groups} group). Flags: {primary} primary (of which {all} all),
# {secondary} secondary; {adj} rows also carry adj, {offensive} offensive.
#
{licence}#
# Which nouns: a lemma is listed when one of its noun senses is a non-instance synset below a
# root (hyponym links only; instance links never, so no named people or armies) and the lemma is
# written in lowercase in that synset, or written capitalised in a person synset that names a
# kind of person other than a people: adherents and members (Quaker, Bolshevik, Jesuit, Muslim,
# Democrat), ranks and units (Khedive, Anzac). Capitalised person synsets are left out when
# their gloss gives years (one individual) or opens with "(astrology)", "(Greek mythology)",
# "(Old Testament)" and the like, when the lemma written in lowercase also names a thing (Wave,
# Treasury) or a phrase's last word names no person (Black Panther, Green Beret), when
# the lemma is an acronym (DA, CEO) or shorter than 4 letters, when another sense of the lemma
# is an instance (Einstein, Delilah: an individual first), or when they or a hypernym up to 8 levels up carry a
# word of data/places/demonyms.tsv or wordnet_demonyms.tsv (peoples and inhabitants: American,
# Apache, which those tables place) or one of:
{people_words}
# Lemmas with digits, dots or non-ASCII letters are dropped. No row is added, removed or changed by hand.
# Person roots: every non-instance synset of lexicographer file noun.person, and below
{person_roots}
# Group roots:
{roots}
# Pruned subtrees (institutions, firms, places, occasions, forms of government, -isms):
{prune}
#
# Columns (TAB-separated, `-` = nothing):
#  1 singular  the lemma: lowercase ASCII, underscores and hyphens written as spaces, apostrophes
#              dropped (ne'er-do-well -> neer do well).
#  2 plural    from WordNet's noun.exc read backwards, for compounds (man-at-arms -> men at arms,
#              mother-in-law -> mothers in law) and the classic irregular patterns (alumnus ->
#              alumni, alumna -> alumnae, wife -> wives, -man -> -men, child -> children); its
#              other forms are variants for the lemmatiser (brethren, soprani) and are not used.
#              Else English rules on the head word: the word before the first of/in/at/to/de...
#              when more words follow (commanders in chief), before a final particle after an
#              agent noun (passers by), the noun before general/apparent/public/laureate...
#              (attorneys general; not major generals), else the last word: -man -> -men,
#              -person -> -people, -child -> -children, -wife -> -wives, -arch -> -archs, -erby
#              -> -ersby, s/x/z/ch/sh -> +es, consonant+y -> -ies, else +s.
#              `=` when the plural is the singular: sheep, deer, swine, corps, samurai, ronin, and
#              person words ending in -s that are no other noun's plural (lazybones).
#              `-` when the lemma is itself plural or collective: its gloss starts '(plural)',
#              says 'X collectively' or '(considered as a group)'; its head is an -s form of
#              another noun lemma (troops, allies), a plural listed in noun.exc, or ends in
#              -men/-people/-folk/-children; a group word ending in -s; a mass collective
#              (police, gentry, clergy, cavalry...); someone, somebody, anyone...
#  3 gender    man / woman, from the qualifying sense only, when the word states it: the sense
#              lies below male.n.02 or female.n.02 'male/female person' (man, woman, boy, girl,
#              wife, widow, lass, bloke...); or its gloss opens with a kin or rank word ('the
#              sister of your father' aunt, 'a son of your brother' nephew, 'a nobleman' baron);
#              or it opens with man/woman/male/female/boy/girl ('a woman who', 'a female actor')
#              and the word is marked too (a gendered word or a feminine suffix: -ess, -ette,
#              -trix, -euse...) or has a person antonym in WordNet (king/queen) - a gloss alone is
#              not trusted, 'a man who delivers the mail' describes the usual holder of a role;
#              or the last word is -man, -woman, -boy, -girl, -lady, -wife (fireman, policewoman;
#              not freshman, human, midwife). Else `-`; always `-` for groups. Known misses and
#              errors: ranks and roles glossed without a gender word stay `-` (duke, emperor,
#              sultan, abbot, witch, wizard); WordNet files some roles under woman, which come
#              through as woman (nanny, homemaker, prostitute, divorcee).
#  4 kind      person | group
#  5 synset    n + the WordNet 3.0 offset of the first (most frequent) sense that qualified.
#  6 flag      primary: that sense is the lemma's sense 1 in index.noun, its most frequent noun
#              sense; primary,all: every noun sense of the lemma qualifies; secondary: a more
#              frequent noun sense is not a person or group (fireman is first the children's
#              game, sheep the animal). Secondary rows are kept for the planner to decide; most are
#              words whose everyday sense in prompts is not a person. Sense order comes from
#              SemCor counts, often small; treat it as a hint. More tokens may follow:
#              `adj`: the word is also a WordNet adjective and SemCor tags it as an adjective at
#              least as often as a noun (great, general, private, human), or it is a group word
#              that is also an adjective (the rich, the dead): prompts mostly use it as an
#              adjective, so a planner that trusts primary rows should not trust these alone.
#              `offensive`: WordNet's gloss labels the sense a slur or insult ('(ethnic slur)',
#              'offensive term', 'disparaging term', '(vulgar'): for the safety gate to see.
#              `proper`: the sense is written capitalised (Quaker, Christian, Bolshevik): a
#              name for adherents or members, whose plural is a noun even where the singular
#              is mostly an adjective (Christians, Catholics).
#              `movement`: an artist (below artist.n.01) named for a movement whose -ism is
#              also a noun (cubist: cubism): before a work's word the lemma names its style.
#  7 like      words the planner may inherit the role's historical rules from, comma-separated,
#              nearest first, at most 8, from the qualifying sense (column 5) only. A person
#              row lists the lemmas of its hypernym synsets, breadth-first up to 4 levels
#              (paratrooper -> soldier -> enlisted person -> serviceman, military man...), one
#              level for a sense written capitalised (Huguenot -> Calvinist, Anzac -> soldier). A
#              group row lists first the lemmas of its member meronyms, WordNet's 'has member'
#              %m pointers (clergy -> clergyman; crew -> crewman), then the member meronyms of
#              its hypernyms up to 3 levels up, then its hypernyms up to 2 levels (army -> army
#              unit, corps, ..., military service). Members may be smaller groups (army -> army
#              unit). The walk never enters the top synsets, nor goes past them: person.n.01,
#              homo.n.02, organism, causal agent, living thing, whole, object, physical entity,
#              entity, group.n.01, social_group.n.01, organization.n.01, unit.n.03 'social
#              unit', abstraction. The words person, individual, someone, somebody, mortal,
#              soul, human, organism, being, causal agent, physical entity, entity, object,
#              whole, living thing, group, social group, organization (organisation) and unit
#              are never listed, nor the row's own word or a repeat. Lemmas are written as in
#              column 1 but lowercased (WordNet capitalises some); ones with digits, dots or
#              non-ASCII letters are dropped. `-` when nothing is left: a sense directly below
#              person (fighter, 'someone who fights') or organization (delegation). Every lemma
#              of a synset comes along with the one meant (military man also gives man;
#              basketball team also gives five).
#              Rows with a list: {like_person} person, {like_group} group.
"""


def main():
    check_version()
    syn, idx, exc = load_synsets(), load_index(), load_plurals()
    rows = build_rows(syn, idx, exc)
    def count(col, val):
        return sum(1 for r in rows if val in r[col].split(","))

    def listing(roots):
        return "\n".join(f"#   {synset_name(o, syn, idx)} n{o}: {d}" for o, d in roots.items())

    text = HEADER.format(version=PINNED_VERSION, licence=LICENCE, n=len(rows),
                         persons=count(3, "person"), groups=count(3, "group"),
                         primary=count(5, "primary"),
                         all=count(5, "all"), secondary=count(5, "secondary"), adj=count(5, "adj"),
                         offensive=count(5, "offensive"),
                         like_person=sum(1 for r in rows if r[3] == "person" and r[6] != "-"),
                         like_group=sum(1 for r in rows if r[3] == "group" and r[6] != "-"),
                         person_roots=listing(PERSON_ROOTS), roots=listing(GROUP_ROOTS),
                         prune=listing(GROUP_PRUNE),
                         people_words="\n".join("#   " + line for line in textwrap.wrap(
                             ", ".join(sorted(PEOPLE_WORDS)), 94)))
    with open(OUT, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
        for r in rows:
            f.write("\t".join(r) + "\n")
    print(f"wrote {OUT}: {len(rows)} rows")


if __name__ == "__main__":
    main()
