#!/usr/bin/env python3
"""A large synthetic watchlist, built from the name parts of real sanctions lists.

Design note. The speed targets of issue 4 are set against a list of 1,000,000 names,
and no public list is that large, so this program makes one, in paxwatch's native CSV
watchlist format (watchlists/README.md) so that `paxwatch watchlist import --format csv`
loads it, and the PostgreSQL peer (bench/peer_postgres.sh) loads the same names from
paxwatch's store afterwards.

Name parts. The parts are the Latin-script tokens of every individual's primary name and
aliases in the UN consolidated list and the OFAC SDN list, split into given-name parts
(every token but the surname) and surname parts (the marked surname, else the last
token), each part weighted by how often the lists use it. So the synthetic list has the
sanctions lists' alphabet of names and their skew: MOHAMMAD, ALI, KHAN and AL are as
common as they really are, which is what makes candidate generation costly. The parts
deliberately do not come from the synthetic travellers (../shared/data/passengers):
built from those, a million-name list would hold most travellers' own names, and every
background traveller would become a true name match rather than a test of false alerts.

Entries. Each entry is an individual named "SURNAME, GIVEN NAMES" (one to three given
parts; a surname of one part, or of two in one entry in ten); one entry in four has one
alias, the same name with one part replaced by another part of the same kind. Most
entries have a date of birth (exact, or the year only), about half a nationality, most a
gender: the evidence a real list carries, so that a scorer which uses it can. Entry ids
are SYN0000001, SYN0000002, ...; --names counts primary names and aliases together, and
the last entry drops its alias when needed to land on exactly that many.

Everything random comes from one random.Random(--seed): the same seed and inputs give
byte-identical output. Only counts are printed. Standard library only.

Usage: gen_synthetic_list.py --out LIST.csv [--names 1000000] [--seed 42] [--data DIR]
"""

import argparse
import bisect
import collections
import csv
import os
import random
import re
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(ROOT, "..", "shared", "data")

TOKEN = re.compile(r"^[A-Z]+(?:-[A-Z]+)?$")
NATIONALITIES = ["AFG", "DZA", "EGY", "IRN", "IRQ", "JOR", "LBN", "LBY", "MLI", "PAK", "PRK",
                 "RUS", "SAU", "SDN", "SOM", "SYR", "TUR", "UKR", "YEM", "COL", "MEX", "VEN",
                 "CHN", "NGA", "COD", "FRA", "DEU", "GBR", "USA", "BLR"]


def tokens(text):
    out = []
    for t in re.sub(r"[.,'\"`\u2018\u2019()]", " ", text.upper()).split():
        if TOKEN.match(t) and len(t) >= 2:
            out.append(t)
    return out


def add_name(given, surnames, surname_text, given_text):
    s, g = tokens(surname_text), tokens(given_text)
    if not s:
        return
    surnames[" ".join(s)] += 1
    for t in g:
        given[t] += 1


def add_unmarked(given, surnames, text):
    t = tokens(text)
    if len(t) >= 2:
        add_name(given, surnames, t[-1], " ".join(t[:-1]))


def load_parts(data):
    """(given parts Counter, surname parts Counter) from the UN and OFAC individuals."""
    given, surnames = collections.Counter(), collections.Counter()
    root = ET.parse(os.path.join(data, "watchlists", "un", "UN_consolidated.xml")).getroot()
    for ind in root.find("INDIVIDUALS"):
        parts = [ind.findtext(t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME",
                                           "FOURTH_NAME")]
        add_unmarked(given, surnames, " ".join(p for p in parts if p))
        for alias in ind.findall("INDIVIDUAL_ALIAS"):
            add_unmarked(given, surnames, alias.findtext("ALIAS_NAME") or "")
    ofac = os.path.join(data, "watchlists", "ofac-sdn")
    individuals = set()
    with open(os.path.join(ofac, "sdn.csv"), encoding="utf-8", errors="replace",
              newline="") as f:
        for row in csv.reader(f):
            if len(row) >= 3 and row[2].strip() == "individual":
                individuals.add(row[0].strip())
                if "," in row[1]:
                    surname, first = row[1].split(",", 1)
                    add_name(given, surnames, surname, first)
    with open(os.path.join(ofac, "alt.csv"), encoding="utf-8", errors="replace",
              newline="") as f:
        for row in csv.reader(f):
            if len(row) >= 4 and row[0].strip() in individuals and "," in row[3]:
                surname, first = row[3].split(",", 1)
                add_name(given, surnames, surname, first)
    return given, surnames


class Pool:
    """Draws parts with their list frequencies."""

    def __init__(self, counter):
        self.parts = sorted(counter)
        weights = [counter[p] for p in self.parts]
        self.cum = []
        total = 0
        for w in weights:
            total += w
            self.cum.append(total)
        self.total = total

    def draw(self, rng):
        return self.parts[bisect.bisect_right(self.cum, rng.random() * self.total)]


def random_dob(rng):
    year = rng.randint(1940, 2002)
    r = rng.random()
    if r < 0.70:
        return "%04d-%02d-%02d" % (year, rng.randint(1, 12), rng.randint(1, 28))
    if r < 0.80:
        return "%04d" % year
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output: the list, native CSV")
    ap.add_argument("--names", type=int, default=1000000,
                    help="names to write, primary names and aliases together")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--data", default=DEFAULT_DATA, help="the shared data directory")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    given_counts, surname_counts = load_parts(args.data)
    given, surnames = Pool(given_counts), Pool(surname_counts)

    def draw_given():
        n = rng.choices([1, 2, 3], [45, 40, 15])[0]
        return [given.draw(rng) for _ in range(n)]

    def draw_surname():
        s = surnames.draw(rng)
        if rng.random() < 0.10:
            s = surnames.draw(rng) + " " + s
        return s

    written = entries = aliases = 0
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["entry_id", "type", "name", "aliases", "dob", "nationality", "gender",
                      "category"])
        while written < args.names:
            entries += 1
            g, s = draw_given(), draw_surname()
            name = "%s, %s" % (s, " ".join(g))
            alias = ""
            if rng.random() < 0.25 and written + 2 <= args.names:
                if rng.random() < 0.5:
                    g2 = list(g)
                    g2[rng.randrange(len(g2))] = given.draw(rng)
                    alias = "%s, %s" % (s, " ".join(g2))
                else:
                    alias = "%s, %s" % (draw_surname(), " ".join(g))
                if alias == name:
                    alias = ""
            written += 1 + (1 if alias else 0)
            aliases += 1 if alias else 0
            nationality = rng.choice(NATIONALITIES) if rng.random() < 0.5 else ""
            gender = rng.choices(["M", "F", ""], [70, 15, 15])[0]
            out.writerow(["SYN%07d" % entries, "individual", name, alias, random_dob(rng),
                          nationality, gender, "synthetic"])
    print("gen_synthetic_list: seed %d: %d entries, %d names (%d aliases) from %d given-name "
          "parts and %d surname parts" % (args.seed, entries, written, aliases,
                                          len(given.parts), len(surnames.parts)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
