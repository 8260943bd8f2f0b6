#!/usr/bin/python3
"""Oracle for the measures (and a second opinion on NYSIIS and Soundex): jellyfish.

  jellyfish_oracle.py phonetic < words   -> word, nysiis, soundex
  jellyfish_oracle.py measures < pairs   -> a, b, jaro, jaro_winkler, levenshtein,
                                            damerau_unrestricted

jaro and jaro_winkler are jaro_similarity and jaro_winkler_similarity (long_tolerance
off), printed with repr (shortest round-trip form of the double). damerau_unrestricted is
damerau_levenshtein_distance, which is the unrestricted Damerau-Levenshtein distance, not
the optimal-string-alignment form paxwatch computes: the OSA reference is stringdist
(stringdist_oracle.R). Used by generate.sh at table-generation time only; run with the
system Python (/usr/bin/python3) where Debian's python3-jellyfish lives.
"""
import sys
import warnings

import jellyfish

warnings.simplefilter("ignore")  # jellyfish 0.8's C module warns about the 'u' format


def main():
    mode = sys.argv[1]
    out = sys.stdout
    if mode == "phonetic":
        for line in sys.stdin:
            w = line.rstrip("\n")
            out.write(f"{w}\t{jellyfish.nysiis(w)}\t{jellyfish.soundex(w)}\n")
    elif mode == "measures":
        for line in sys.stdin:
            a, b = line.rstrip("\n").split("\t")
            out.write(
                f"{a}\t{b}\t{jellyfish.jaro_similarity(a, b)!r}\t"
                f"{jellyfish.jaro_winkler_similarity(a, b)!r}\t"
                f"{jellyfish.levenshtein_distance(a, b)}\t"
                f"{jellyfish.damerau_levenshtein_distance(a, b)}\n"
            )
    else:
        sys.exit(f"usage: {sys.argv[0]} phonetic|measures")


if __name__ == "__main__":
    main()
