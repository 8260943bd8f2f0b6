#!/usr/bin/env python3
"""Travellers in, figures out: the bookkeeping of the PostgreSQL peer benchmark.

Design note. bench/peer_postgres.sh screens the same travellers with paxwatch and with
the peer (bench_peer_pg) and needs three small jobs done the same way for both, so they
live here, standard library only:

  prepare  reads gen_flights.py's flights (canonical JSON Lines) and truth file and
           keeps the travellers that the benchmark's lists can account for: every
           background traveller and every traveller planted from the UN list (those
           planted from OFAC are dropped: they are on no list the benchmark loads, so
           they would count neither as recall nor as false alerts). It writes the kept
           flights for paxwatch, the same travellers as record_id TAB name TAB surname
           for the peer (name: given names then surname, or full_name; surname: the
           surname field, else the full name; tabs and line breaks become spaces, no
           other change: normalising is the peer's own job, timed), and the labels
           (record_id TAB expected entry or "-" for background, TAB flags). For the
           1,000,000-name run, where the peer is slow, --out-sample gets a seeded
           uniform sample of --sample travellers (in file order: the same mix of
           travellers as the whole, so its speed compares like with like) and
           --out-planted the planted travellers alone (for recall).
  hits     turns paxwatch's --alerts-out into the peer's hit format, record_id TAB
           entry TAB score (watchlist hits only, entry as LIST:entry_id).
  score    computes, for one system's hits against the labels: recall (planted
           travellers alerted on their own entry; also on name alone, that is the
           planted travellers not carrying the list's own passport, and on the
           original-script ones), and the false-alert rate (background travellers
           with any hit). With --min-score T it counts only hits scoring >= T, and
           with --match-fa RATE it also finds the lowest score threshold whose false-
           alert rate is <= RATE and reports the recall there: the peer's recall at a
           false-alert rate matched to paxwatch's, from the peer's own scores (exact
           for every threshold at or above the one the peer ran with, since the
           peer returns every entry at or above it, best first).
           It prints one line of key=value pairs.

Only counts are printed, never names.
"""

import argparse
import json
import random
import sys


def traveller_name(t):
    """(name, surname) as the peer receives them."""
    def clean(s):
        return " ".join((s or "").replace("\t", " ").replace("\r", " ").split())
    surname = clean(t.get("surname"))
    given = clean(t.get("given_names"))
    full = clean(t.get("full_name"))
    if surname:
        return (given + " " + surname).strip(), surname
    return full, full


def cmd_prepare(args):
    truth = {}
    with open(args.truth, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            truth[t["record_id"]] = t
    kept = []
    dropped = 0
    with open(args.flights, encoding="utf-8") as f, \
            open(args.out_flights, "w", encoding="utf-8") as out:
        for line in f:
            rec = json.loads(line)
            t = truth.get(rec["record_id"])
            if t and t["list"] != "UN":
                dropped += 1
                continue
            out.write(line)
            name, surname = traveller_name(rec["traveller"])
            label = "-" if t is None else "UN:" + t["entry_id"]
            flags = "-" if t is None else ",".join(
                f for f, on in (("list_document", t["list_document"]),
                                ("original_script", t["original_script"])) if on) or "none"
            kept.append((rec["record_id"], name, surname, label, flags))
    with open(args.out_labels, "w", encoding="utf-8") as out:
        for rid, _, _, label, flags in kept:
            out.write("%s\t%s\t%s\n" % (rid, label, flags))

    def write_queries(path, rows):
        with open(path, "w", encoding="utf-8") as out:
            for rid, name, surname, _, _ in rows:
                out.write("%s\t%s\t%s\n" % (rid, name, surname))

    write_queries(args.out_queries, kept)
    sample = kept
    if args.out_sample:
        rng = random.Random(args.seed)
        chosen = set(rng.sample(range(len(kept)), min(args.sample, len(kept))))
        sample = [k for i, k in enumerate(kept) if i in chosen]
        write_queries(args.out_sample, sample)
    planted = [k for k in kept if k[3] != "-"]
    if args.out_planted:
        write_queries(args.out_planted, planted)
    print("prepare: travellers=%d background=%d planted_un=%d dropped_ofac=%d sample=%d "
          "(planted %d)" % (len(kept), len(kept) - len(planted), len(planted), dropped,
                            len(sample), sum(1 for k in sample if k[3] != "-")))


def cmd_hits(args):
    n = 0
    with open(args.alerts, encoding="utf-8") as f, open(args.out, "w", encoding="utf-8") as out:
        for line in f:
            alert = json.loads(line)
            for hit in alert.get("hits", []):
                if hit.get("type") != "watchlist":
                    continue
                out.write("%s\t%s:%s\t%.4f\n" % (alert["record_id"], hit["list"],
                                                 hit["entry_id"], hit.get("score", 1.0)))
                n += 1
    print("hits: %d watchlist hits" % n, file=sys.stderr)


def cmd_score(args):
    labels = {}
    with open(args.labels, encoding="utf-8") as f:
        for line in f:
            rid, label, flags = line.rstrip("\n").split("\t")
            labels[rid] = (label, flags)
    if args.queries:  # only the travellers this system screened (a sample)
        keep = set()
        for path in args.queries:
            with open(path, encoding="utf-8") as f:
                keep.update(line.split("\t", 1)[0] for line in f)
        labels = {k: v for k, v in labels.items() if k in keep}
    # Per record: best score of any hit, best score on the expected entry.
    best_any, best_right = {}, {}
    for path in args.hits:
        with open(path, encoding="utf-8") as f:
            for line in f:
                rid, entry, score = line.rstrip("\n").split("\t")
                score = float(score)
                if rid not in labels or score < args.min_score:
                    continue
                best_any[rid] = max(best_any.get(rid, -1.0), score)
                if labels[rid][0] == entry:
                    best_right[rid] = max(best_right.get(rid, -1.0), score)

    background = [r for r, (label, _) in labels.items() if label == "-"]
    planted = [r for r, (label, _) in labels.items() if label != "-"]
    name_only = [r for r in planted if "list_document" not in labels[r][1]]
    scripted = [r for r in planted if "original_script" in labels[r][1]]

    def rate(num, den):
        return num / den if den else 0.0

    def figures(threshold):
        fa = sum(1 for r in background if best_any.get(r, -1.0) >= threshold)
        hit = [r for r in planted if best_right.get(r, -1.0) >= threshold]
        hit_set = set(hit)
        return {
            "recall": rate(len(hit), len(planted)),
            "recall_name_only": rate(sum(1 for r in name_only if r in hit_set), len(name_only)),
            "recall_original_script": rate(sum(1 for r in scripted if r in hit_set),
                                           len(scripted)),
            "false_alert_rate": rate(fa, len(background)),
            "false_alerts": fa,
        }

    out = {"travellers": len(labels), "background": len(background), "planted": len(planted),
           "planted_name_only": len(name_only), "planted_original_script": len(scripted)}
    out.update(figures(args.min_score))
    if args.match_fa is not None:
        # Lowest threshold t >= min_score with FA(t) <= match_fa: just above the
        # (allowed + 1)-th highest background score.
        allowed = int(args.match_fa * len(background) + 1e-9)
        scores = sorted((best_any[r] for r in background if r in best_any), reverse=True)
        t = args.min_score
        if len(scores) > allowed:
            t = max(t, scores[allowed] + 1e-6)
        m = figures(t)
        out["matched_threshold"] = t
        out["matched_recall"] = m["recall"]
        out["matched_recall_name_only"] = m["recall_name_only"]
        out["matched_false_alert_rate"] = m["false_alert_rate"]
    print(" ".join("%s=%s" % (k, ("%.6f" % v) if isinstance(v, float) else v)
                   for k, v in out.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--flights", required=True)
    p.add_argument("--truth", required=True)
    p.add_argument("--out-flights", required=True)
    p.add_argument("--out-queries", required=True)
    p.add_argument("--out-labels", required=True)
    p.add_argument("--out-sample", help="a uniform sample of the peer's travellers")
    p.add_argument("--sample", type=int, default=2000, help="its size")
    p.add_argument("--out-planted", help="the planted travellers alone")
    p.add_argument("--seed", type=int, default=42)
    p = sub.add_parser("hits")
    p.add_argument("--alerts", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("score")
    p.add_argument("--labels", required=True)
    p.add_argument("--hits", required=True, nargs="+")
    p.add_argument("--queries", nargs="+",
                   help="score only the travellers in these queries files")
    p.add_argument("--min-score", type=float, default=0.0)
    p.add_argument("--match-fa", type=float)
    args = ap.parse_args()
    {"prepare": cmd_prepare, "hits": cmd_hits, "score": cmd_score}[args.cmd](args)


if __name__ == "__main__":
    main()
