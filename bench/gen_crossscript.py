#!/usr/bin/env python3
"""One-form watchlists and cross-script travellers, for the cross-script bench.

Design note. Issue 4's cross-script target: "the UN list's 336 individuals that carry
both an Arabic- or Cyrillic-script name and a Latin name. With a list holding only one
form and travellers carrying the other, in both directions: at least 80% alerted on the
right entry at the shipped threshold, with the false-alert rate of the sample-flight
benchmark unchanged." This program reads the UN consolidated XML and writes what
bench/crossscript.sh screens:

  * --latin-list: the whole UN list (730 individuals, 273 entities) in paxwatch's
    native CSV (CONTRACT.md, watchlists/README.md), holding the Latin form only: the
    primary name (FIRST..FOURTH_NAME), every alias in Latin script, dates of birth,
    nationalities, gender, documents, category; NAME_ORIGINAL_SCRIPT left out, and any
    Arabic, Cyrillic or CJK text cut out of the aliases ("Amir Khazmat (original
    script: Амир Хазмат)" keeps "Amir Khazmat"; "حسن غول (Hassan Ghul; Hassan Gul)"
    keeps "Hassan Ghul; Hassan Gul");
  * --original-list: the same list, except that each of the selected individuals
    holds only its original-script form: NAME_ORIGINAL_SCRIPT as the name and, as
    aliases, the original-script texts of its aliases (the Arabic or Cyrillic part
    of ALIAS_NAME, and an alias NOTE "original script: ..."), and no Latin name at
    all. Every other entry keeps its Latin form: the list keeps its normal size, so
    the background travellers meet as many names as in the sample-flight bench and
    Latin travellers can still hit a wrong entry, as they would in real life;
  * --travellers: canonical JSON Lines records (CONTRACT.md) of four sets of one
    traveller per selected individual: direction "orig_to_latin" (the traveller
    carries NAME_ORIGINAL_SCRIPT as full_name; screened against --latin-list) and
    "latin_to_orig" (the traveller carries the UN primary Latin name as passenger data
    writes it, upper case without dots and apostrophes, surname = the last UN name
    part, as gen_flights.py does; screened against --original-list), each with and
    without a date of birth. Every traveller carries the list's gender and first
    nationality when the list has them, and a made-up passport (never the list's:
    a shared document number would lift the score whatever the name); the date of
    birth is a full date inside the list's date (gen_flights.planted_dob), as a
    passport gives it. Each set fills its own flights (carrier XS), so no two records
    of one person share a flight;
  * --truth: one JSON object per traveller without names: record_id, entry_id,
    direction, script (arabic / cyrillic), with_dob, dob_basis.

What the native CSV cannot say, and so differs from `watchlist import --format un-xml`
of the same entries: alias quality (a UN "Low" alias imports as unknown, so it loses
the matcher's weak-alias factor), document issue dates, and which of several commas
marks a surname (an individual's name or alias is written without commas unless the
XML importer would mark its surname too). Unknown or note-like country texts
(three characters or fewer, "former ...", "possibly ...") are left out, as the XML
importer leaves out what it cannot resolve; crossscript.sh checks that the import
rejects nothing.

Selection: individuals whose NAME_ORIGINAL_SCRIPT contains an Arabic or Cyrillic letter
and whose FIRST..FOURTH_NAME give a Latin name (336 on the 2026-02-27 list: 327
Arabic, 9 Cyrillic). Everything random comes from random.Random(seed); the output is
byte-identical for the same seed and inputs. Counts only go to standard error, never
names. Standard library only.

Usage: gen_crossscript.py --latin-list CSV --original-list CSV --travellers JSONL
                          --truth JSONL [--seed 42] [--data DIR]
"""

import argparse
import csv
import datetime
import json
import os
import random
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_flights  # noqa: E402  (same folder: the planted-traveller helpers)

NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
COLUMNS = ["entry_id", "type", "name", "aliases", "dob", "nationality", "gender",
           "documents", "category"]
DIRECTIONS = ("orig_to_latin", "latin_to_orig")
FLIGHT_SIZE = 200


def script_of(text):
    """'latin' or the Unicode script word (arabic, cyrillic, cjk, ...) of the first
    letter beyond Latin Extended-B."""
    for ch in text:
        if ch.isalpha() and ord(ch) > 0x24F:
            return unicodedata.name(ch, "OTHER").split()[0].lower()
    return "latin"


def non_latin(ch):
    return ord(ch) > 0x24F and (ch.isalpha() or unicodedata.category(ch).startswith("M"))


def text(node, tag):
    value = node.findtext(tag)
    return " ".join(value.split()) if value and value.strip() else ""


def split_scripts(alias):
    """(Latin text or '', [original-script texts]) of one ALIAS_NAME."""
    runs, latin, i = [], [], 0
    while i < len(alias):
        if non_latin(alias[i]):
            j = i
            # a run of non-Latin letters, with the blanks and joiners between them
            while j < len(alias) and (non_latin(alias[j]) or alias[j] in " -\u200c\u200d\u0640"
                                      and any(non_latin(c) for c in alias[j:j + 3])):
                j += 1
            runs.append(alias[i:j].strip())
            latin.append(" ")
            i = j
        else:
            latin.append(alias[i])
            i += 1
    rest = "".join(latin)
    if not runs:
        return alias, []
    rest = re.sub(r"\(\s*original script\s*\)|original script\s*:?", " ", rest, flags=re.I)
    for _ in range(3):  # brackets left with no Latin letter in them, and "( ; X"
        rest = re.sub(r"\([^A-Za-z\u00c0-\u024f()]*\)", " ", rest)
        rest = re.sub(r"\(\s*[,;]\s*", "(", rest)
    rest = " ".join(rest.split()).strip(" ,;")
    if rest.startswith("(") and rest.endswith(")") and rest.count("(") == 1:
        rest = rest[1:-1].strip(" ,;")
    if rest.startswith("(") and rest.count("(") > rest.count(")"):
        rest = rest[1:]
    if not any(ch.isalpha() for ch in rest):
        rest = ""
    return rest, [r for r in runs if sum(ch.isalpha() for ch in r) >= 2]


def no_commas(name):
    return " ".join(name.replace(",", " ").split())


def csv_dobs(ind):
    """The dates of birth as the native CSV writes them, read as import_unxml.c reads
    INDIVIDUAL_DATE_OF_BIRTH (EXACT date or year, a month NOTE refining a year,
    "August 1961" standing for a missing date, APPROXIMATELY -> "~", BETWEEN -> "..")
    plus each alias's DATE_OF_BIRTH as one more exact date."""
    out = []

    def valid(value):
        for fmt, n in (("%Y-%m-%d", 10), ("%Y-%m", 7), ("%Y", 4)):
            if len(value) == n:
                try:
                    datetime.datetime.strptime(value, fmt)
                    return True
                except ValueError:
                    return False
        return False

    def month(note):
        note = note.rstrip(".").lower()
        for m, name in enumerate(["january", "february", "march", "april", "may", "june",
                                  "july", "august", "september", "october", "november",
                                  "december"], 1):
            if len(note) >= 3 and (note == name or note == name[:3]
                                   or m == 9 and note == "sept"):
                return m
        return 0

    for d in ind.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        kind = text(d, "TYPE_OF_DATE").upper()
        date, year, note = text(d, "DATE"), text(d, "YEAR"), text(d, "NOTE")
        lo, hi = text(d, "FROM_YEAR"), text(d, "TO_YEAR")
        if kind == "BETWEEN" or (lo and hi and not date and not year):
            if valid(lo) and valid(hi) and lo <= hi:
                out.append("%s..%s" % (lo, hi))
            continue
        value = ""
        if date:
            value = date if valid(date) else ""
        elif year:
            if valid(year):
                value = year
                if note and month(note):
                    value = "%s-%02d" % (year, month(note))
        elif note and " " in note:
            m, y = note.split(" ", 1)
            if month(m) and len(y) == 4 and valid(y):
                value = "%s-%02d" % (y, month(m))
        if value:
            out.append(("~" if kind == "APPROXIMATELY" else "") + value)
    for alias in ind.findall("INDIVIDUAL_ALIAS"):
        value = text(alias, "DATE_OF_BIRTH")
        if value and valid(value):
            out.append(value)
    seen = set()
    return [d for d in out if not (d in seen or seen.add(d))]


def csv_countries(values):
    out = []
    for v in values:
        v = " ".join((v or "").split())
        if len(v) <= 3 or v.split()[0].lower() in ("former", "possibly", "reportedly",
                                                   "probably"):
            continue
        if v not in out:
            out.append(v)
    return out


def csv_documents(ind):
    """TYPE:NUMBER:ISSUER of each INDIVIDUAL_DOCUMENT with a NUMBER (P for a passport,
    else I), left out when the number holds a character the CSV form cannot carry."""
    out = []
    for doc in ind.findall("INDIVIDUAL_DOCUMENT"):
        number = text(doc, "NUMBER")
        if not number or any(c in number for c in ":|"):
            continue
        kind = text(doc, "TYPE_OF_DOCUMENT").lower()
        passport = any(w in kind for w in ("passport", "passeport", "pasaporte"))
        issuer = csv_countries([text(doc, "ISSUING_COUNTRY")]) or csv_countries(
            [text(doc, "COUNTRY_OF_ISSUE")])
        issuer = issuer[0] if issuer and not any(c in issuer[0] for c in ":|") else ""
        out.append("%s:%s:%s" % ("P" if passport else "I", number, issuer))
    return out


def read_list(path):
    """Every UN individual and entity as a dict of CSV fields plus what the
    selection and the travellers need."""
    root = ET.parse(path).getroot()
    entries = []
    for section, tag, kind in (("INDIVIDUALS", "INDIVIDUAL", "individual"),
                               ("ENTITIES", "ENTITY", "entity")):
        for node in root.find(section):
            parts = [text(node, t) for t in NAME_PARTS]
            latin = " ".join(p for p in parts if p)
            original = text(node, "NAME_ORIGINAL_SCRIPT")
            latin_aliases, original_aliases = [], []
            for alias in node.findall(tag + "_ALIAS"):
                name = text(alias, "ALIAS_NAME")
                rest, runs = split_scripts(name)
                if rest:
                    if kind == "individual" and rest.count(",") > 1:
                        rest = no_commas(rest)
                    latin_aliases.append(rest)
                original_aliases += runs
                note = text(alias, "NOTE")
                m = re.match(r"original script\s*:\s*(.+)", note, re.I)
                if m and script_of(m.group(1)) != "latin":
                    original_aliases.append(m.group(1).strip())
            entry = {
                "entry_id": text(node, "DATAID"),
                "type": kind,
                "latin": no_commas(latin) if kind == "individual" else latin,
                "latin_parts": [p for p in parts if p],
                "original": original,
                "latin_aliases": list(dict.fromkeys(latin_aliases)),
                "original_aliases": list(dict.fromkeys(a for a in original_aliases
                                                       if a != original)),
                "dob": csv_dobs(node) if kind == "individual" else [],
                "nationality": csv_countries(v.text for v in node.findall("NATIONALITY/VALUE")),
                "gender": {"male": "M", "female": "F"}.get(text(node, "GENDER").lower(), ""),
                "documents": csv_documents(node) if kind == "individual" else [],
                "category": text(node, "UN_LIST_TYPE"),
            }
            entries.append(entry)
    return entries


def selected(entry):
    return (entry["type"] == "individual" and entry["latin"]
            and script_of(entry["latin"]) == "latin"
            and script_of(entry["original"]) in ("arabic", "cyrillic"))


def write_list(path, entries, original_ids):
    """The native CSV: Latin form for every entry, original-script form only for the
    entries in original_ids."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for e in entries:
            if e["entry_id"] in original_ids:
                name, aliases = e["original"], e["original_aliases"]
            else:
                name, aliases = e["latin"], e["latin_aliases"]
            w.writerow([e["entry_id"], e["type"], name, "|".join(aliases), "|".join(e["dob"]),
                        "|".join(e["nationality"]), e["gender"], "|".join(e["documents"]),
                        e["category"]])


def latin_traveller_name(entry):
    """The UN primary name as passenger data writes it, surname = last UN part."""
    parts = entry["latin_parts"]
    name = (" ".join(parts[:-1]).split(), parts[-1].split())
    given, surname = gen_flights.api_form(name)
    if not surname:
        return {"full_name": " ".join(given)}
    fields = {"surname": " ".join(surname)}
    if given:
        fields["given_names"] = " ".join(given)
    return fields


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--latin-list", required=True)
    ap.add_argument("--original-list", required=True)
    ap.add_argument("--travellers", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--data", default=gen_flights.DEFAULT_DATA)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    xml_path = os.path.join(args.data, "watchlists", "un", "UN_consolidated.xml")
    entries = read_list(xml_path)
    people = {p["entry_id"]: p for p in gen_flights.load_un(xml_path)}
    chosen = [e for e in entries if selected(e)]
    ids = {e["entry_id"] for e in chosen}
    write_list(args.latin_list, entries, set())
    write_list(args.original_list, entries, ids)

    flights, count = [], 0
    with open(args.travellers, "w", encoding="utf-8") as out, \
            open(args.truth, "w", encoding="utf-8") as truth_out:
        for d, direction in enumerate(DIRECTIONS):
            for with_dob in (True, False):
                order = chosen[:]
                rng.shuffle(order)
                for i, e in enumerate(order):
                    if i % FLIGHT_SIZE == 0:
                        dep = datetime.datetime(2026, 12, 8, 6, 0) + datetime.timedelta(
                            hours=3 * len(flights))
                        flight = {"carrier": "XS", "number": str(9001 + len(flights)),
                                  "origin": rng.choice(gen_flights.ORIGINS),
                                  "destination": rng.choice(gen_flights.DESTINATIONS),
                                  "departure": dep.strftime("%Y-%m-%dT%H:%M"),
                                  "arrival": (dep + datetime.timedelta(hours=5)).strftime(
                                      "%Y-%m-%dT%H:%M")}
                        flights.append(flight)
                    person = people[e["entry_id"]]
                    t = {"role": "passenger"}
                    if direction == "orig_to_latin":
                        t["full_name"] = e["original"]
                    else:
                        t.update(latin_traveller_name(e))
                    if person["gender"]:
                        t["gender"] = person["gender"]
                    dob, basis = gen_flights.planted_dob(rng, person, [])
                    if with_dob:
                        t["dob"] = dob
                    else:
                        basis = "not given"
                    if person["nationalities"]:
                        t["nationality"] = person["nationalities"][0]
                    t["booking_ref"] = gen_flights.booking_ref(rng)
                    t["documents"] = [gen_flights.passport(rng, t.get("nationality"))]
                    record_id = "XS%d%s-%s-%03d" % (d + 1, "D" if with_dob else "N",
                                                    flight["number"], i % FLIGHT_SIZE + 1)
                    out.write(json.dumps({"record_id": record_id, "flight": flight,
                                          "traveller": t}, ensure_ascii=False) + "\n")
                    truth_out.write(json.dumps({
                        "record_id": record_id, "list": "UN", "entry_id": e["entry_id"],
                        "direction": direction, "script": script_of(e["original"]),
                        "with_dob": with_dob, "dob_basis": basis,
                        "original_aliases": len(e["original_aliases"]),
                        "latin_aliases": len(e["latin_aliases"])}, sort_keys=True) + "\n")
                    count += 1

    scripts = {}
    for e in chosen:
        scripts[script_of(e["original"])] = scripts.get(script_of(e["original"]), 0) + 1
    print("gen_crossscript: seed %d: %d UN entries (%d individuals); selected %d with an "
          "Arabic or Cyrillic and a Latin name (%s); %d travellers on %d flights"
          % (args.seed, len(entries), sum(e["type"] == "individual" for e in entries),
             len(chosen), ", ".join("%s %d" % kv for kv in sorted(scripts.items())),
             count, len(flights)), file=sys.stderr)


if __name__ == "__main__":
    main()
