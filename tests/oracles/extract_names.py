#!/usr/bin/python3
"""Draws the words and word pairs the oracle tables are built on, from the shared data.

Sources (all real or realistic names): OFAC SDN primary names (sdn.csv) and aliases
(alt.csv), the UN consolidated list (FIRST_NAME..FOURTH_NAME and ALIAS_NAME of
individuals and entities) and the synthetic travellers (negatives_us.csv, full_name).

Words: each name is folded with Unicode NFKD, combining marks are dropped and the
result is upper-cased; the ASCII runs [A-Z]+ are the words. What NFKD cannot fold to
ASCII (Arabic script, Ø, ß, ...) splits words and is dropped. A fixed number of distinct
words is drawn from each source with a fixed seed, so the output is the same on every
run for the same data.

Pairs (for the measures): same-entry alias pairs (each alias word with the primary-name
word most like it, by difflib; and whole folded names, some longer than 64 bytes),
deterministic typos (delete, insert, substitute, transpose, double; one to three edits,
fixed seed) and random pairs of words.

Rule words (RULES_OUT, optional): real names seldom reach some rules (an initial WICZ,
MNN, a key that its end rules would empty), so a second, synthetic set strings the
letter groups the encoders' rules name together (fixed seed), after a few hand-picked
probes. They test the rules, not the names, and are kept in a table of their own.

Usage: extract_names.py DATA_DIR WORDS_OUT PAIRS_OUT [RULES_OUT]
"""
import csv
import difflib
import random
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET

SEED = 20240611
WORDS_PER_SOURCE = 2500  # four sources -> about 10,000 distinct words
N_ALIAS_WORD_PAIRS = 3000
N_ALIAS_NAME_PAIRS = 1000
N_TYPO_PAIRS = 3500
N_RANDOM_PAIRS = 2500
N_RULE_WORDS = 2000

# Letter groups that the Double Metaphone, NYSIIS and Daitch-Mokotoff rules test for.
RULE_GROUPS = (
    "SCH SCHTSCH CH CHAE CHIA GH GN KN PN PS WR WH WICZ WITZ CZ MAC MC PH PF TION TIA TCH "
    "SH SIO SIA SIAN CIA CIO CC CK CQ DG DT GLI GER GY JOSE SAN ILLO ILLA ALLE UMB IER ISL "
    "YSL SUGAR CAESAR ORCHES ARCHIT ORCHID VAN VON EWSKI OWSKY IAU EAU AU OU ZH ZI ZO ZA "
    "AGGI OGGI BACHER MACHER DANGER HEIM HOEK HOLZ SC TTH TH EV EE IE RT RD NT ND AY KS RS RZ "
    "SZCZ ZDZH TTSCH DRZ STRZ SHT ZHD UE EU OJ UY AI EI MN NM NMM MNN X Q H W Y J"
).split()
RULE_PROBES = (
    "WICZ WITZAK WHITZ AS AAS ASH AWAY AYS BAYS SJS AJS AJSJ MNN NMM NMNM CCCCCCCCCC "
    "CJCJRSCKCZJ KUEI QUEEN MACS KN SCH PH DT ND ABAJ AJ J RSA ARSA CK ACKA JA AJA YAY "
    "SAN JOSE JOSEPH SANJOSE GIER ROGIER MCHUGH MCCLELLAN BACCI ACCIDENT SUCCESS"
).split()


def fold(text):
    """NFKD, combining marks dropped, upper-case."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).upper()


def words_of(text):
    return re.findall(r"[A-Z]+", fold(text))


def folded_name(text):
    """The whole name as its words joined by one space."""
    return " ".join(words_of(text))


def read_ofac(data):
    """{entity number: (primary name, [aliases])}"""
    entries = {}
    with open(f"{data}/watchlists/ofac-sdn/sdn.csv", encoding="utf-8", errors="replace") as f:
        for row in csv.reader(f):
            if len(row) > 2 and row[0].strip().isdigit():
                entries[row[0].strip()] = (row[1], [])
    with open(f"{data}/watchlists/ofac-sdn/alt.csv", encoding="utf-8", errors="replace") as f:
        for row in csv.reader(f):
            if len(row) > 3 and row[0].strip() in entries:
                entries[row[0].strip()][1].append(row[3])
    return [entries[k] for k in sorted(entries, key=int)]


def read_un(data):
    """[(primary name, [aliases])] for individuals and entities."""
    tree = ET.parse(f"{data}/watchlists/un/UN_consolidated.xml")
    out = []
    for kind in ("INDIVIDUAL", "ENTITY"):
        for e in tree.iter(kind):
            parts = [e.findtext(t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
            primary = " ".join(p for p in parts if p)
            aliases = [a.text for a in e.iter("ALIAS_NAME") if a.text]
            out.append((primary, aliases))
    return out


def read_pax(data):
    with open(f"{data}/passengers/negatives_us.csv", encoding="utf-8") as f:
        return [row["full_name"] for row in csv.DictReader(f)]


def typo(word, rng):
    """One to three random edits of word (upper-case letters)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    w = list(word)
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        op = rng.choice(("delete", "insert", "substitute", "transpose", "double"))
        i = rng.randrange(len(w)) if w else 0
        if op == "delete" and len(w) > 1:
            del w[i]
        elif op == "insert":
            w.insert(rng.randrange(len(w) + 1), rng.choice(letters))
        elif op == "substitute" and w:
            w[i] = rng.choice(letters)
        elif op == "transpose" and len(w) > 1:
            i = rng.randrange(len(w) - 1)
            w[i], w[i + 1] = w[i + 1], w[i]
        elif op == "double" and w:
            w.insert(i, w[i])
    return "".join(w)


def main():
    data, words_out, pairs_out = sys.argv[1:4]
    rules_out = sys.argv[4] if len(sys.argv) > 4 else None
    rng = random.Random(SEED)
    ofac = read_ofac(data)
    un = read_un(data)
    pax = read_pax(data)

    sources = {
        "ofac_sdn": {w for name, _ in ofac for w in words_of(name)},
        "ofac_alt": {w for _, aliases in ofac for a in aliases for w in words_of(a)},
        "un": {w for name, aliases in un for n in [name] + aliases for w in words_of(n)},
        "pax": {w for name in pax for w in words_of(name)},
    }
    chosen = set()
    for key in sorted(sources):
        pool = sorted(sources[key] - chosen)
        chosen.update(rng.sample(pool, min(WORDS_PER_SOURCE, len(pool))))
    words = sorted(chosen)
    with open(words_out, "w") as f:
        for w in words:
            f.write(w + "\n")

    pairs = []
    seen = set()

    def add(a, b):
        if a and b and (a, b) not in seen:
            seen.add((a, b))
            pairs.append((a, b))

    word_pairs, name_pairs = [], []
    for name, aliases in ofac + un:
        pw = words_of(name)
        for alias in aliases:
            fa = folded_name(alias)
            fn = folded_name(name)
            if fa and fn and fa != fn:
                name_pairs.append((fn, fa))
            for w in words_of(alias):
                if w in pw or not pw:
                    continue
                best = max(pw, key=lambda p: difflib.SequenceMatcher(None, w, p).ratio())
                if difflib.SequenceMatcher(None, w, best).ratio() >= 0.5:
                    word_pairs.append((best, w))
    word_pairs = sorted(set(word_pairs))
    name_pairs = sorted(set(name_pairs))
    # Keep every whole-name pair longer than 64 bytes on a side up to a third of the quota:
    # they take the classic fallback of the bit-parallel distance.
    long_pairs = [p for p in name_pairs if max(len(p[0]), len(p[1])) > 64]
    n_long = min(len(long_pairs), N_ALIAS_NAME_PAIRS // 3)
    for p in rng.sample(long_pairs, n_long):
        add(*p)
    short_pairs = [p for p in name_pairs if max(len(p[0]), len(p[1])) <= 64]
    for p in rng.sample(short_pairs, N_ALIAS_NAME_PAIRS - n_long):
        add(*p)
    for p in rng.sample(word_pairs, min(N_ALIAS_WORD_PAIRS, len(word_pairs))):
        add(*p)
    for w in rng.sample(words, N_TYPO_PAIRS):
        add(w, typo(w, rng))
    while len(pairs) < N_ALIAS_NAME_PAIRS + N_ALIAS_WORD_PAIRS + N_TYPO_PAIRS + N_RANDOM_PAIRS:
        add(rng.choice(words), rng.choice(words))
    with open(pairs_out, "w") as f:
        for a, b in pairs:
            f.write(f"{a}\t{b}\n")
    if rules_out:
        letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
        rule_words = list(dict.fromkeys(RULE_PROBES))
        seen_rule = set(rule_words) | set(words)
        while len(rule_words) < N_RULE_WORDS:
            parts = [rng.choice(RULE_GROUPS if rng.random() < 0.6 else letters)
                     for _ in range(rng.randint(1, 5))]
            w = "".join(parts)
            if w not in seen_rule:
                seen_rule.add(w)
                rule_words.append(w)
        with open(rules_out, "w") as f:
            for w in rule_words:
                f.write(w + "\n")
    print(f"extract_names: {len(words)} words, {len(pairs)} pairs "
          f"({n_long} whole-name pairs over 64 bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
