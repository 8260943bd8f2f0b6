#!/usr/bin/env python3
"""Sample flights with planted watchlist travellers, for the screening-quality bench.

Design note. The flights are what a targeting centre receives: flights of about 250
travellers in paxwatch's canonical JSON Lines (CONTRACT.md), or with --format paxlst one
PAXLST message per flight (see paxlst_interchange), built from

  * background travellers: the 50,000 synthetic persons of
    ../shared/data/passengers/negatives_us.csv, who match no sanctioned person. Their
    names are kept exactly as the file gives them, in whatever script (about 6,000 are
    CJK, Hangul, Arabic, Devanagari, Hebrew, Cyrillic or Thai): they are screened like
    everyone else and count in the false-alert rate;
  * planted travellers: UN and OFAC individuals written the way they might really turn
    up in passenger data. Each planted traveller draws one or more variation kinds
    (KINDS below) and records them in a truth file, so that recall can be broken down
    by kind. A kind is drawn first, then a list entry to which it applies (so rare
    kinds, such as transliteration of accented letters, still get a useful sample),
    then further kinds among those that apply to that entry;
  * original-script planted travellers: UN individuals travelling under their
    NAME_ORIGINAL_SCRIPT (Arabic or Cyrillic), flagged in the truth file so that they
    are measured separately.

Planted travellers carry the list's date of birth (varied by the DOB kinds; a list
date that is only a year, a year-month, approximate or a range becomes a full date
inside it, as a passport would give), the list's first nationality (as the English
name the list uses: paxwatch accepts those) and gender when the list has them, and a
made-up passport; with probability --list-document-rate the list's own passport
instead ("list_document" in the truth, so name-only recall can be told apart).

The truth file has one JSON object per planted traveller: record_id, list (UN or
OFAC), entry_id as paxwatch stores it (UN: DATAID; OFAC: ent_num), variations,
details of each variation, original_script and script, name_form (split surname /
given_names, or full_name only), dob_basis, list_document, and list_form_cleaned: names
are written as passenger data has them (upper case; no titles, apostrophes or dots, as
in a machine-readable zone), so "SA'D" on the list travels as "SAD" even with no
variation drawn; this flag says when that changed the name. It holds no names.

Everything random comes from one random.Random(seed): the same seed and inputs give
byte-identical output. Standard library only.

Usage: gen_flights.py --flights OUT --truth TRUTH.jsonl [--seed 42] [--format jsonl|paxlst]
                      [--background N] [--planted N] [--original-script N]
"""

import argparse
import collections
import csv
import datetime
import json
import os
import random
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(ROOT, "..", "shared", "data")

# Variation kinds and the weight with which each is drawn as a traveller's first kind.
KINDS = {
    "alias": 12,  # a Good-quality alias instead of the primary name
    "order_swapped": 10,  # surname and given names swapped (or surname first in full_name)
    "middle_dropped": 10,  # one middle name left out
    "typo_1": 14,  # one typo on a token of >= 4 letters
    "typo_2": 7,  # two typos
    "translit": 7,  # accented Latin letters written in ASCII, ICAO (UE) or plain (U)
    "particles": 10,  # AL QADHAFI -> ALQADHAFI, ABDULAZIZ -> ABDUL AZIZ
    "title_glued": 8,  # CHARLESMR
    "dob_year_only": 7,  # an exact list date given as the year only
    "dob_dm_swapped": 7,  # an exact list date with day and month swapped
    "full_name_only": 8,  # full_name only (order unknown to the reader)
}
EXCLUSIVE = [{"typo_1", "typo_2"}, {"dob_year_only", "dob_dm_swapped"}]
# How many kinds a planted traveller draws: 1, 2 or 3.
N_KINDS_WEIGHTS = [50, 35, 15]

# Particles written apart that may be joined to the next token, and prefixes and
# suffixes of joined tokens that may be split off.
PARTICLES = {
    "AL", "EL", "BIN", "BEN", "IBN", "BINT", "ABU", "ABD", "ABDUL", "ABDEL", "ABDUR",
    "OULD", "UL", "UD", "VAN", "VON", "DE", "DER", "DEL", "DA", "DOS", "DI", "LA", "LE",
}
SPLIT_PREFIXES = ("ABDUL", "ABDEL", "ABDUR", "ABDOL", "ABU", "BIN", "IBN")
SPLIT_SUFFIXES = ("ULLAH", "ALLAH", "UDDIN", "UDEEN", "EDDINE", "EDDIN", "ALDIN")

# ICAO Doc 9303 transliterations that differ from simply dropping the accent.
ICAO_SPECIAL = {
    "Ä": "AE", "Ö": "OE", "Ü": "UE", "Å": "AA", "Æ": "AE", "Ø": "OE", "Œ": "OE",
    "ß": "SS", "Þ": "TH", "Ð": "D", "Ĳ": "IJ",
}
PLAIN_SPECIAL = {"Æ": "AE", "Ø": "O", "Œ": "OE", "ß": "SS", "Þ": "TH", "Ð": "D", "Ĳ": "IJ"}

# Titles dropped from list names (a passport has none).
LIST_TITLES = {"DR", "DR.", "MR", "MR.", "MRS", "MRS.", "PROF.", "COLONEL", "GENERAL", "MAJOR"}

GENDERS = {"male": "M", "female": "F", "Male": "M", "Female": "F"}
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MONTHS = {m: i + 1 for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])}

# Made-up carriers; real airports. Every flight lands in one State (France here), as
# a targeting centre sees its inbound traffic.
CARRIERS = ["QQ", "XQ", "ZP", "VW", "KX", "YT"]
ORIGINS = ["JFK", "LHR", "FRA", "DXB", "IST", "DOH", "NBO", "ADD", "CAI", "AMM", "BEY",
           "KHI", "DEL", "PEK", "ICN", "NRT", "GRU", "MEX", "YYZ", "SVO", "TUN", "ALG",
           "CMN", "DKR", "LOS", "JNB", "BKK", "SIN", "KUL", "SYD"]
DESTINATIONS = ["CDG", "ORY", "NCE", "LYS", "MRS"]


# ---- reading the sources ---------------------------------------------------------


def clean_country(value):
    """A country name from a list, or None when it is a note rather than a country."""
    if not value:
        return None
    value = value.strip().split(".")[0].strip()
    if len(value) <= 3 or not value[0].isupper() or any(ch.isdigit() for ch in value):
        return None
    if value.split()[0].lower() in ("former", "possibly", "reportedly", "probably"):
        return None
    return value


def split_name(text, surname_marked):
    """(given tokens, surname tokens) of a list name; 'SURNAME, Given' when marked."""
    text = text.replace("\u00a0", " ").strip()
    if surname_marked and "," in text:
        surname, given = text.split(",", 1)
        return given.split(), surname.split()
    tokens = text.split()
    return tokens[:-1], tokens[-1:]


def parse_iso(text):
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        return None


def load_un(path):
    """UN individuals: DATAID, names, Good aliases, original script, DOBs, ..."""
    root = ET.parse(path).getroot()
    people = []
    for ind in root.find("INDIVIDUALS"):
        parts = [ind.findtext(t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME",
                                           "FOURTH_NAME")]
        parts = [p.strip() for p in parts if p and p.strip()]
        if not parts:
            continue
        if len(parts) == 1:
            primary = split_name(parts[0], False)
        else:
            primary = (" ".join(parts[:-1]).split(), parts[-1].split())
        aliases = []
        for alias in ind.findall("INDIVIDUAL_ALIAS"):
            if alias.findtext("QUALITY") != "Good":
                continue
            # One ALIAS_NAME may hold several spellings: "A B; A C", "a) ... b) ...".
            for name in re.split(r";|(?:^|\s)[a-z]\)\s", alias.findtext("ALIAS_NAME") or ""):
                name = name.strip()
                if name and not re.search(r"[\d()]", name):
                    aliases.append(split_name(name, True))
        dobs = []
        for d in ind.findall("INDIVIDUAL_DATE_OF_BIRTH"):
            kind = d.findtext("TYPE_OF_DATE") or ""
            if d.findtext("DATE") and parse_iso(d.findtext("DATE")):
                date = parse_iso(d.findtext("DATE"))
                basis = "approx_date" if kind == "APPROXIMATELY" else "exact"
                dobs.append((basis, date.year, date.month, date.day))
            elif d.findtext("YEAR") and d.findtext("YEAR").strip().isdigit():
                basis = "approx_year" if kind == "APPROXIMATELY" else "year"
                dobs.append((basis, int(d.findtext("YEAR")), 0, 0))
            elif d.findtext("FROM_YEAR") and d.findtext("TO_YEAR"):
                try:
                    dobs.append(("range", int(d.findtext("FROM_YEAR")),
                                 int(d.findtext("TO_YEAR")), 0))
                except ValueError:
                    pass
        nationalities = [c for c in (clean_country(v.text)
                                     for v in ind.findall("NATIONALITY/VALUE")) if c]
        documents = []
        for doc in ind.findall("INDIVIDUAL_DOCUMENT"):
            number = (doc.findtext("NUMBER") or "").replace(" ", "")
            if "passport" in (doc.findtext("TYPE_OF_DOCUMENT") or "").lower() and number:
                issuer = clean_country(doc.findtext("ISSUING_COUNTRY")
                                       or doc.findtext("COUNTRY_OF_ISSUE"))
                documents.append((number, issuer))
        original = (ind.findtext("NAME_ORIGINAL_SCRIPT") or "").strip()
        people.append({
            "list": "UN",
            "entry_id": ind.findtext("DATAID").strip(),
            "primary": primary,
            "aliases": aliases,
            "original_script": original or None,
            "dobs": dobs,
            "nationalities": nationalities,
            "gender": GENDERS.get((ind.findtext("GENDER") or "").strip()),
            "documents": documents,
        })
    return people


def parse_ofac_dob(value):
    """One 'DOB ...' value of OFAC remarks as (basis, year, month, day)."""
    value = value.strip()
    m = re.fullmatch(r"(circa )?(\d{2}) ([A-Z][a-z]{2}) (\d{4})", value)
    if m and m.group(3) in MONTHS:
        try:
            datetime.date(int(m.group(4)), MONTHS[m.group(3)], int(m.group(2)))
        except ValueError:
            return None
        # "circa 07 Jul 1966": the date is the best guess; a traveller carries it as is.
        basis = "approx_date" if m.group(1) else "exact"
        return (basis, int(m.group(4)), MONTHS[m.group(3)], int(m.group(2)))
    m = re.fullmatch(r"([A-Z][a-z]{2}) (\d{4})", value)
    if m and m.group(1) in MONTHS:
        return ("year_month", int(m.group(2)), MONTHS[m.group(1)], 0)
    m = re.fullmatch(r"(\d{4})", value)
    if m:
        return ("year", int(m.group(1)), 0, 0)
    m = re.fullmatch(r"circa (\d{4})", value)
    if m:
        return ("approx_year", int(m.group(1)), 0, 0)
    m = re.fullmatch(r"(?:circa )?(?:(?:\d{2} )?[A-Z][a-z]{2} )?(\d{4})(?: to |-)"
                     r"(?:(?:\d{2} )?[A-Z][a-z]{2} )?(\d{4})", value)
    if m:
        return ("range", int(m.group(1)), int(m.group(2)), 0)
    return None


def load_ofac(sdn_path, alt_path):
    """OFAC individuals of sdn.csv, their alt.csv aliases and what the remarks say."""
    aliases = collections.defaultdict(list)
    with open(alt_path, encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.reader(f):
            if len(row) >= 5 and "weak" not in row[4].lower():
                aliases[row[0].strip()].append(row[3].strip())
    people = []
    with open(sdn_path, encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.reader(f):
            if len(row) < 12 or row[2].strip() != "individual":
                continue
            remarks = "" if row[11].strip() == "-0-" else row[11]
            dobs, nationalities, documents, gender = [], [], [], None
            for part in re.split(r";\s*", remarks):
                part = re.sub(r"^alt\. ", "", part.strip().rstrip("."))
                if part.startswith("DOB "):
                    dob = parse_ofac_dob(part[4:])
                    if dob:
                        dobs.append(dob)
                elif part.startswith("nationality ") or part.startswith("citizen "):
                    country = clean_country(part.split(" ", 1)[1])
                    if country and country not in nationalities:
                        nationalities.append(country)
                elif part.startswith("Gender "):
                    gender = GENDERS.get(part[7:].strip())
                else:
                    m = re.match(r"Passport ([A-Z0-9]+)(?: \(([^)]+)\))?", part)
                    if m:
                        documents.append((m.group(1), clean_country(m.group(2))))
            people.append({
                "list": "OFAC",
                "entry_id": row[0].strip(),
                "primary": split_name(row[1], True),
                "aliases": [split_name(a, True) for a in aliases.get(row[0].strip(), [])],
                "original_script": None,
                "dobs": dobs,
                "nationalities": nationalities,
                "gender": gender,
                "documents": documents,
            })
    return people


# ---- name variations ---------------------------------------------------------------


def api_form(name):
    """A list name as passenger data writes it: upper case, without titles (a passport
    has none), quotes, apostrophes or dots (a machine-readable zone has none)."""
    given, surname = name

    def clean(tokens):
        out = []
        for t in tokens:
            if t.upper() in LIST_TITLES:
                continue
            t = re.sub(r"[\u2018\u2019\u201c\u201d'`\".,]", "", t).upper()
            if t:
                out.append(t)
        return out

    return clean(given), clean(surname)


def cleaned_by_api_form(name):
    """Whether api_form changed more than the letter case of name."""
    return api_form(name) != ([t.upper() for t in name[0]], [t.upper() for t in name[1]])


def letters(token):
    return sum(1 for ch in token if ch.isalpha())


def has_accents(name):
    return any(ord(ch) > 127 and ch.isalpha() for t in name[0] + name[1] for ch in t)


def join_options(name):
    """Ways to join a particle to its neighbour: (field, index, how)."""
    options = []
    for field in (0, 1):
        tokens = name[field]
        for i, t in enumerate(tokens):
            if "-" in t and any(p in PARTICLES for p in t.split("-")):
                options.append((field, i, "hyphen"))
            if t in PARTICLES and i + 1 < len(tokens):
                options.append((field, i, "next"))
    return options


def split_options(name):
    options = []
    for field in (0, 1):
        for i, t in enumerate(name[field]):
            if not t.isalpha():
                continue
            for p in SPLIT_PREFIXES:
                if t.startswith(p) and len(t) - len(p) >= 3:
                    options.append((field, i, len(p)))
            for s in SPLIT_SUFFIXES:
                if t.endswith(s) and len(t) - len(s) >= 3:
                    options.append((field, i, len(t) - len(s)))
    return options


def applicable(kind, person, name):
    """Whether a kind can apply to this person written with this name."""
    given, surname = name
    if kind == "alias":
        return bool(usable_aliases(person))
    if kind == "order_swapped":
        return bool(given) and bool(surname)
    if kind == "middle_dropped":
        return len(given) >= 2 or (len(surname) >= 2 and bool(given))
    if kind in ("typo_1", "typo_2"):
        return any(letters(t) >= 4 for t in given + surname)
    if kind == "translit":
        return has_accents(name)
    if kind == "particles":
        return bool(join_options(name) or split_options(name))
    if kind == "title_glued":
        return bool(given)
    if kind in ("dob_year_only", "dob_dm_swapped"):
        exact = [d for d in person["dobs"] if d[0] == "exact"]
        if kind == "dob_year_only":
            return bool(exact)
        return any(d[3] <= 12 and d[3] != d[2] for d in exact)
    if kind == "full_name_only":
        return True
    raise ValueError(kind)


def usable_aliases(person):
    """Good Latin-script aliases whose token set differs from the primary name's
    (computed once). Aliases in other scripts are left to the original-script set."""
    if "usable_aliases" not in person:
        person["usable_aliases"] = compute_usable_aliases(person)
    return person["usable_aliases"]


def compute_usable_aliases(person):
    primary = api_form(person["primary"])
    key = sorted(primary[0] + primary[1])
    out = []
    for alias in person["aliases"]:
        form = api_form(alias)
        if (form[1] and sorted(form[0] + form[1]) != key
                and script_of(" ".join(form[0] + form[1])) == "latin"):
            out.append(alias)
    return out


def typo(rng, token):
    """One substitution, transposition, deletion or insertion on a letter of token."""
    chars = list(token)
    positions = [i for i, ch in enumerate(chars) if ch.isalpha()]
    while True:
        op = rng.choice(["substitution", "transposition", "deletion", "insertion"])
        i = rng.choice(positions)
        out = chars[:]
        if op == "substitution":
            out[i] = rng.choice([c for c in LETTERS if c != chars[i]])
        elif op == "transposition":
            j = i + 1 if i + 1 < len(chars) and chars[i + 1].isalpha() else i - 1
            if j < 0 or not chars[j].isalpha() or chars[i] == chars[j]:
                continue
            out[i], out[j] = out[j], out[i]
        elif op == "deletion":
            del out[i]
        else:
            out.insert(i + rng.randint(0, 1), rng.choice(LETTERS))
        result = "".join(out)
        if result != token:
            return result, op


def transliterate(token, mode):
    out = []
    for ch in token:
        table = ICAO_SPECIAL if mode == "icao" else PLAIN_SPECIAL
        if ch in table:
            out.append(table[ch])
        elif ord(ch) > 127:
            base = unicodedata.normalize("NFD", ch)
            out.append("".join(c for c in base if not unicodedata.combining(c)))
        else:
            out.append(ch)
    return "".join(out)


def apply_variations(rng, person, kinds):
    """The traveller's name fields after the name variations in kinds, and a detail
    for each kind applied. Kinds are applied in a fixed order; one that an earlier
    kind made impossible (a particle dropped as a middle name) is left out of the
    details, so the truth file says what was really done."""
    details = {}
    if "alias" in kinds:
        name = rng.choice(usable_aliases(person))
        details["alias"] = "good alias"
    else:
        name = person["primary"]
    if cleaned_by_api_form(name):
        details["list_form_cleaned"] = "titles, apostrophes or dots left out"
    given, surname = (list(x) for x in api_form(name))

    if "particles" in kinds:
        joins, splits = join_options((given, surname)), split_options((given, surname))
        options = [("joined", o) for o in joins] + [("split", o) for o in splits]
        if options:
            how, (field, i, arg) = rng.choice(options)
            tokens = given if field == 0 else surname
            if how == "joined" and arg == "hyphen":
                tokens[i] = tokens[i].replace("-", "")
            elif how == "joined":
                tokens[i:i + 2] = [tokens[i] + tokens[i + 1]]
            else:
                tokens[i:i + 1] = [tokens[i][:arg], tokens[i][arg:]]
            details["particles"] = how
    if "middle_dropped" in kinds:
        if len(given) >= 2:
            del given[rng.randrange(1, len(given))]
            details["middle_dropped"] = "a given name after the first"
        elif len(surname) >= 2 and given:
            del surname[rng.randrange(0, len(surname) - 1)]
            details["middle_dropped"] = "a surname part before the last"
    if "translit" in kinds and has_accents((given, surname)):
        mode = rng.choice(["icao", "plain"])
        given = [transliterate(t, mode) for t in given]
        surname = [transliterate(t, mode) for t in surname]
        details["translit"] = mode
    for kind, count in (("typo_1", 1), ("typo_2", 2)):
        if kind not in kinds:
            continue
        ops = []
        for _ in range(count):
            slots = [(f, i) for f, tokens in ((0, given), (1, surname))
                     for i, t in enumerate(tokens) if letters(t) >= 4]
            if not slots:
                break
            f, i = rng.choice(slots)
            tokens = given if f == 0 else surname
            tokens[i], op = typo(rng, tokens[i])
            ops.append(op)
        if len(ops) == count:
            details[kind] = "+".join(ops)
    if "title_glued" in kinds and given:
        title = "MR" if person["gender"] != "F" else rng.choice(["MRS", "MS"])
        given[-1] += title
        details["title_glued"] = title
    if "order_swapped" in kinds and given and surname:
        given, surname = surname, given
        details["order_swapped"] = "surname and given names swapped"
    if "full_name_only" in kinds or not surname:
        if "full_name_only" in kinds:
            details["full_name_only"] = "order unknown"
        return {"full_name": " ".join(given + surname)}, details
    fields = {"surname": " ".join(surname)}
    if given:
        fields["given_names"] = " ".join(given)
    return fields, details


# ---- dates, documents, flights ----------------------------------------------------------


def random_date(rng, first, last):
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def planted_dob(rng, person, kinds):
    """The traveller's date of birth and what it was derived from."""
    dobs = person["dobs"]
    if "dob_year_only" in kinds or "dob_dm_swapped" in kinds:
        dobs = [d for d in dobs if d[0] == "exact"]
        if "dob_dm_swapped" in kinds:
            dobs = [d for d in dobs if d[3] <= 12 and d[3] != d[2]]
    if not dobs:
        date = random_date(rng, datetime.date(1950, 1, 1), datetime.date(1995, 12, 31))
        return date.isoformat(), "none"
    basis, year, month, day = rng.choice(dobs)
    if basis == "approx_date":
        return "%04d-%02d-%02d" % (year, month, day), basis
    if basis == "exact":
        if "dob_year_only" in kinds:
            return "%04d" % year, basis
        if "dob_dm_swapped" in kinds:
            return "%04d-%02d-%02d" % (year, day, month), basis
        return "%04d-%02d-%02d" % (year, month, day), basis
    if basis == "year_month":
        last = (datetime.date(year + month // 12, month % 12 + 1, 1)
                - datetime.timedelta(days=1))
        return random_date(rng, datetime.date(year, month, 1), last).isoformat(), basis
    if basis == "range":
        year = rng.randint(min(year, month), max(year, month))
    return random_date(rng, datetime.date(year, 1, 1),
                       datetime.date(year, 12, 31)).isoformat(), basis


def passport(rng, issuer):
    number = "".join(rng.choice(LETTERS) for _ in range(2)) + "%07d" % rng.randrange(10**7)
    doc = {"type": "P", "number": number}
    if issuer:
        doc["issuer"] = issuer
    doc["expiry"] = random_date(rng, datetime.date(2027, 1, 1),
                                datetime.date(2036, 12, 31)).isoformat()
    return doc


def booking_ref(rng):
    return "".join(rng.choice(LETTERS + "0123456789") for _ in range(6))


def script_of(text):
    """'latin' or the Unicode script word of the first non-Latin letter."""
    for ch in text:
        if ch.isalpha() and ord(ch) > 0x24F:
            return unicodedata.name(ch, "OTHER").split()[0].lower()
    return "latin"


def make_flights(rng, total):
    """Flight headers and sizes (about 250 each) covering total travellers."""
    flights, seen, left = [], set(), total
    while left > 0:
        size = rng.randint(220, 280)
        if left - size < 60:
            size = left
        while True:
            carrier = rng.choice(CARRIERS)
            number = str(rng.randint(100, 9999))
            day = datetime.date(2026, 12, 1) + datetime.timedelta(days=rng.randint(0, 6))
            if (carrier, number, day) not in seen:
                seen.add((carrier, number, day))
                break
        dep = datetime.datetime.combine(day, datetime.time(rng.randint(0, 23),
                                                           rng.choice([0, 15, 30, 45])))
        arr = dep + datetime.timedelta(minutes=rng.randint(60, 14 * 60))
        flights.append(({"carrier": carrier, "number": number, "origin": rng.choice(ORIGINS),
                          "destination": rng.choice(DESTINATIONS),
                          "departure": dep.strftime("%Y-%m-%dT%H:%M"),
                          "arrival": arr.strftime("%Y-%m-%dT%H:%M")}, size))
        left -= size
    return flights


# ---- travellers ------------------------------------------------------------------------


def background_traveller(rng, row, full_name_rate):
    t = {"role": "passenger"}
    given = " ".join(x for x in (row["first_name"], row["middle_name"]) if x.strip())
    if rng.random() < full_name_rate or not row["last_name"].strip():
        t["full_name"] = row["full_name"]
    else:
        t["surname"] = row["last_name"]
        if given:
            t["given_names"] = given
    t["gender"] = GENDERS.get(row["gender"], "U")
    t["dob"] = row["date_of_birth"]
    if row["nationality"]:
        t["nationality"] = row["nationality"]
    if row["place_of_birth"]:
        t["birth_place"] = row["place_of_birth"]
    t["booking_ref"] = booking_ref(rng)
    t["documents"] = [passport(rng, row["nationality"] or None)]
    return t


def draw_kinds(rng, by_list, lists):
    """A person and one to three kinds that apply to them (the first one weighted)."""
    names, weights = zip(*KINDS.items())
    while True:
        first = rng.choices(names, weights)[0]
        order = [lists[0], lists[1]] if rng.random() < 0.5 else [lists[1], lists[0]]
        pool = next((by_list[l][first] for l in order if by_list[l][first]), None)
        if pool:
            break
    person = rng.choice(pool)
    kinds = [first]
    name = rng.choice(usable_aliases(person)) if first == "alias" else person["primary"]
    name = api_form(name)
    want = rng.choices([1, 2, 3], N_KINDS_WEIGHTS)[0]
    while len(kinds) < want:
        options = [k for k in names if k not in kinds and k != "alias"
                   and applicable(k, person, name)
                   and not any(k in group and set(kinds) & group for group in EXCLUSIVE)]
        if not options:
            break
        kinds.append(rng.choices(options, [KINDS[k] for k in options])[0])
    return person, kinds


def planted_traveller(rng, person, kinds, list_document_rate):
    fields, details = apply_variations(rng, person, kinds)
    if "dob_year_only" in kinds:
        details["dob_year_only"] = "exact list date given as the year"
    if "dob_dm_swapped" in kinds:
        details["dob_dm_swapped"] = "day and month swapped"
    cleaned = bool(details.pop("list_form_cleaned", None))
    kinds = [k for k in kinds if k in details]
    t = {"role": "passenger"}
    t.update(fields)
    if person["gender"]:
        t["gender"] = person["gender"]
    t["dob"], dob_basis = planted_dob(rng, person, kinds)
    nationality = person["nationalities"][0] if person["nationalities"] else None
    if nationality:
        t["nationality"] = nationality
    t["booking_ref"] = booking_ref(rng)
    list_doc = bool(person["documents"]) and rng.random() < list_document_rate
    if list_doc:
        number, issuer = rng.choice(person["documents"])
        doc = {"type": "P", "number": number}
        if issuer:
            doc["issuer"] = issuer
        t["documents"] = [doc]
    else:
        t["documents"] = [passport(rng, nationality)]
    truth = {"list": person["list"], "entry_id": person["entry_id"],
             "variations": sorted(kinds), "details": details, "original_script": False,
             "script": "latin",
             "name_form": "full_name" if "full_name" in fields else "split",
             "dob_basis": dob_basis, "list_document": list_doc,
             "list_form_cleaned": cleaned}
    return t, truth


def original_script_traveller(rng, person, list_document_rate):
    t = {"role": "passenger", "full_name": person["original_script"]}
    if person["gender"]:
        t["gender"] = person["gender"]
    t["dob"], dob_basis = planted_dob(rng, person, [])
    nationality = person["nationalities"][0] if person["nationalities"] else None
    if nationality:
        t["nationality"] = nationality
    t["booking_ref"] = booking_ref(rng)
    list_doc = bool(person["documents"]) and rng.random() < list_document_rate
    if list_doc:
        number, issuer = rng.choice(person["documents"])
        t["documents"] = [dict({"type": "P", "number": number},
                               **({"issuer": issuer} if issuer else {}))]
    else:
        t["documents"] = [passport(rng, nationality)]
    truth = {"list": person["list"], "entry_id": person["entry_id"], "variations": [],
             "details": {}, "original_script": True,
             "script": script_of(person["original_script"]), "name_form": "full_name",
             "dob_basis": dob_basis, "list_document": list_doc, "list_form_cleaned": False}
    return t, truth


# ---- PAXLST --------------------------------------------------------------------------


def edi(text):
    """A value with the EDIFACT service characters released (UNA:+.? ')."""
    return re.sub(r"([?:+'])", r"?\1", text)


def edi_date(iso, with_time=False):
    """CCYYMMDD (format 102) or CCYYMMDDHHMM (203) from an ISO date or date-time."""
    digits = re.sub(r"[^0-9]", "", iso)
    return (digits[:12] + ":203") if with_time else (digits[:8] + ":102")


def paxlst_interchange(flight, records, ref):
    """One interchange holding one PAXLST message (D:05B) for a flight.

    Names go in NAD+FL as surname:given; a traveller given as full_name only has it all
    in the surname component (the sender did not split it). Dates of birth are written
    as CCYYMMDD (format 102), so no century has to be guessed; a year-only date of birth
    has no PAXLST form and is sent with the 1 January placeholder, as senders do. The
    generator's record_id travels as the unique passenger reference (RFF+ABO): PAXLST
    has no record id, so paxwatch derives its own and eval_quality.py joins on this.
    """
    stamp = "261201:0000"
    segments = ["UNH+%s+PAXLST:D:05B:UN:IATA" % ref, "BGM+745",
                "NAD+MS+++PAXWATCH BENCH",
                "TDT+20+%s%s+++%s" % (flight["carrier"], flight["number"], flight["carrier"]),
                "LOC+125+%s" % flight["origin"],
                "DTM+189:%s" % edi_date(flight["departure"], True),
                "LOC+87+%s" % flight["destination"],
                "DTM+232:%s" % edi_date(flight["arrival"], True)]
    for record in records:
        t = record["traveller"]
        if "full_name" in t:
            name = edi(t["full_name"])
        else:
            name = edi(t["surname"]) + (":" + edi(t["given_names"]) if "given_names" in t
                                          else "")
        segments.append("NAD+FL+++%s" % name)
        if t.get("gender"):
            segments.append("ATT+2++%s" % t["gender"])
        dob = t.get("dob", "")
        if len(dob) == 4:
            dob += "-01-01"
        if dob:
            segments.append("DTM+329:%s" % edi_date(dob))
        segments.append("LOC+178+%s" % flight["origin"])
        segments.append("LOC+179+%s" % flight["destination"])
        if t.get("nationality"):
            segments.append("NAT+2+%s" % edi(t["nationality"]))
        if t.get("booking_ref"):
            segments.append("RFF+AVF:%s" % t["booking_ref"])
        segments.append("RFF+ABO:%s" % edi(record["record_id"]))
        if t.get("seat"):
            segments.append("RFF+SEA:%s" % t["seat"])
        for doc in t.get("documents", []):
            segments.append("DOC+%s:110:111+%s" % (doc["type"], edi(doc["number"])))
            if doc.get("expiry"):
                segments.append("DTM+36:%s" % edi_date(doc["expiry"]))
            if doc.get("issuer"):
                segments.append("LOC+91+%s" % edi(doc["issuer"]))
    segments.append("CNT+42:%d" % len(records))
    segments.append("UNT+%d+%s" % (len(segments) + 1, ref))
    head = ["UNA:+.? '", "UNB+UNOW:4+PAXWATCHBENCH+PAXWATCH+%s+%s" % (stamp, ref)]
    tail = ["UNZ+1+%s" % ref]
    return "".join(seg + "'\n" if not seg.startswith("UNA") else seg + "\n"
                   for seg in head + segments + tail)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--flights", required=True, help="output: flights as JSON Lines")
    ap.add_argument("--truth", required=True, help="output: planted travellers' truth")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--background", type=int, default=None,
                    help="background travellers to take (default: all 50,000)")
    ap.add_argument("--planted", type=int, default=2000,
                    help="planted travellers with Latin-script variations")
    ap.add_argument("--original-script", type=int, default=336,
                    help="planted travellers under their original-script UN name "
                         "(default 336: each UN individual that has one, once)")
    ap.add_argument("--list-document-rate", type=float, default=0.2,
                    help="share of planted travellers carrying the list's own passport "
                         "when the list gives one")
    ap.add_argument("--full-name-rate", type=float, default=0.3,
                    help="share of background travellers given as full_name only")
    ap.add_argument("--format", choices=["jsonl", "paxlst"], default="jsonl",
                    help="what --flights gets: canonical JSON Lines, or one PAXLST "
                         "interchange (one message) per flight")
    ap.add_argument("--data", default=DEFAULT_DATA, help="the shared data directory")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    with open(os.path.join(args.data, "passengers", "negatives_us.csv"),
              encoding="utf-8", newline="") as f:
        background = list(csv.DictReader(f))
    if args.background is not None:
        background = background[:args.background]
    un = load_un(os.path.join(args.data, "watchlists", "un", "UN_consolidated.xml"))
    ofac = load_ofac(os.path.join(args.data, "watchlists", "ofac-sdn", "sdn.csv"),
                     os.path.join(args.data, "watchlists", "ofac-sdn", "alt.csv"))

    by_list = {}
    for name, people in (("UN", un), ("OFAC", ofac)):
        by_list[name] = {k: [p for p in people
                             if k == "alias" and usable_aliases(p)
                             or k != "alias" and applicable(k, p, api_form(p["primary"]))]
                         for k in KINDS}

    planted = []
    for _ in range(args.planted):
        person, kinds = draw_kinds(rng, by_list, ["UN", "OFAC"])
        planted.append(planted_traveller(rng, person, kinds, args.list_document_rate))
    scripted = [p for p in un if p["original_script"]]
    if args.original_script and scripted:
        order = scripted[:]
        rng.shuffle(order)
        for i in range(args.original_script):
            planted.append(original_script_traveller(rng, order[i % len(order)],
                                                     args.list_document_rate))
    rng.shuffle(planted)

    travellers = [background_traveller(rng, row, args.full_name_rate) for row in background]
    slots = [True] * len(planted) + [False] * len(travellers)
    rng.shuffle(slots)
    flights = make_flights(rng, len(slots))

    counts = collections.Counter()
    scripts = collections.Counter()
    planted_it, background_it = iter(planted), iter(travellers)
    slot_it = iter(slots)
    with open(args.flights, "w", encoding="utf-8") as out, \
            open(args.truth, "w", encoding="utf-8") as truth_out:
        for number, (flight, size) in enumerate(flights, 1):
            day = flight["departure"][:10].replace("-", "")
            flight_records = []
            for seq in range(1, size + 1):
                record_id = "%s%s-%s-%03d" % (flight["carrier"], flight["number"], day, seq)
                if next(slot_it):
                    traveller, truth = next(planted_it)
                    truth = dict({"record_id": record_id}, **truth)
                    truth_out.write(json.dumps(truth, ensure_ascii=False,
                                               sort_keys=True) + "\n")
                    counts["planted_" + truth["list"]] += 1
                    counts["original_script"] += truth["original_script"]
                    for kind in truth["variations"]:
                        counts["kind_" + kind] += 1
                else:
                    traveller = next(background_it)
                    counts["background"] += 1
                    name = traveller.get("full_name") or traveller.get("surname", "")
                    scripts[script_of(name + traveller.get("given_names", ""))] += 1
                traveller["seat"] = "%d%s" % ((seq - 1) // 6 + 1, "ABCDEF"[(seq - 1) % 6])
                flight_records.append({"record_id": record_id, "flight": flight,
                                       "traveller": traveller})
            if args.format == "paxlst":
                out.write(paxlst_interchange(flight, flight_records, "%06d" % number))
            else:
                for record in flight_records:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")

    # Counts only: no names on standard error.
    print("gen_flights: seed %d: %d flights, %d travellers (%d background, %d planted: "
          "%d UN, %d OFAC, of which %d original-script)"
          % (args.seed, len(flights), len(slots), counts["background"], len(planted),
             counts["planted_UN"], counts["planted_OFAC"],
             counts["original_script"]), file=sys.stderr)
    print("gen_flights: variation kinds: " + ", ".join(
        "%s=%d" % (k, counts["kind_" + k]) for k in KINDS), file=sys.stderr)
    print("gen_flights: background scripts: " + ", ".join(
        "%s=%d" % kv for kv in scripts.most_common()), file=sys.stderr)


if __name__ == "__main__":
    main()
