# Prints every stored record of a PAXLST golden case field by field (used by all the
# tests/golden/paxlst_* cases), in input order: one "path = value" line per field of
# the canonical JSON, the source file shortened to its name.
import json, os, sqlite3, sys

def walk(prefix, v, out):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(f"{prefix}.{k}" if prefix else k, x, out)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(f"{prefix}[{i}]", x, out)
    else:
        out.append((prefix, v))

db = sqlite3.connect(sys.argv[1])
for (text,) in db.execute("select json from records order by source_line"):
    rec = json.loads(text)
    rec.get("source", {}).update(file=os.path.basename(rec.get("source", {}).get("file", "")))
    fields = []
    walk("", rec, fields)
    print("record")
    for k, v in fields:
        print(f"  {k} = {v}")
