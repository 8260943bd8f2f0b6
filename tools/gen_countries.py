#!/usr/bin/env python3
"""Regenerates the ISO 3166-1 tables of engine/core/countries.c and
tests/unit/test_countries.c from Debian's iso-codes package.

Source: iso-codes (https://salsa.debian.org/iso-codes-team/iso-codes),
/usr/share/iso-codes/json/iso_3166-1.json (`apt-get install iso-codes`).
Each generated block sits between "BEGIN GENERATED" and "END GENERATED"
marker lines; everything else in the two files is written by hand.

Usage: python3 tools/gen_countries.py [path/to/iso_3166-1.json]
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_JSON = "/usr/share/iso-codes/json/iso_3166-1.json"


def c_str(s):
    if s is None:
        return "NULL"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def replace_block(path, tag, lines):
    with open(path, encoding="utf-8") as f:
        text = f.read().split("\n")
    begin = next(i for i, l in enumerate(text) if "BEGIN GENERATED: " + tag in l)
    end = next(i for i, l in enumerate(text) if i > begin and "END GENERATED" in l)
    text[begin + 1 : end] = lines
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(text))


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_JSON
    with open(src, encoding="utf-8") as f:
        rows = json.load(f)["3166-1"]
    rows.sort(key=lambda e: e["alpha_3"])
    if len(rows) < 249:
        sys.exit("suspiciously few rows: %d" % len(rows))

    table = []
    for e in rows:
        table.append(
            "    {%s, %s, %s, %s, %s},"
            % (
                c_str(e["alpha_2"]),
                c_str(e["alpha_3"]),
                c_str(e["name"]),
                c_str(e.get("official_name")),
                c_str(e.get("common_name")),
            )
        )
    replace_block(os.path.join(ROOT, "engine/core/countries.c"), "iso_3166-1", table)

    # The test gets "alpha2 alpha3" pairs only, eight to a line.
    pairs = ['"%s%s"' % (e["alpha_2"], e["alpha_3"]) for e in rows]
    lines = ["    " + ", ".join(pairs[i : i + 8]) + "," for i in range(0, len(pairs), 8)]
    replace_block(os.path.join(ROOT, "tests/unit/test_countries.c"), "iso_3166-1", lines)
    print("%d countries from %s" % (len(rows), src))


if __name__ == "__main__":
    main()
