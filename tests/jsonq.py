#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Ask a question of a JSON document, for the shell tests.

usage: jsonq.py FILE|- EXPR    exit 0 when the Python expression EXPR is true
                               of the document d, 1 (saying what was asked and
                               what the document holds) when it is not, 2 when
                               FILE is not one JSON document
       jsonq.py FILE|- -p EXPR print EXPR's value (strings as they are, else JSON)
       jsonq.py FILE --set PATH JSON   set a member ("a.b", "list.0.c") in place
       jsonq.py FILE --del PATH        remove a member in place

A real JSON reader: a test never greps for a key that a string value could spell.
"""
import json
import sys


def load(path):
    try:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
        return json.loads(text, object_pairs_hook=no_duplicates)
    except (OSError, ValueError) as e:
        print(f"jsonq: {path}: {e}", file=sys.stderr)
        sys.exit(2)


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError(f"duplicate keys {sorted(dup)}")
    return dict(pairs)


def main():
    if (len(sys.argv) == 5 and sys.argv[2] == "--set") or (len(sys.argv) == 4 and sys.argv[2] == "--del"):
        d = load(sys.argv[1])
        keys = [int(k) if k.isdigit() else k for k in sys.argv[3].split(".")]
        o = d
        for k in keys[:-1]:
            o = o[k]
        if sys.argv[2] == "--set":
            o[keys[-1]] = json.loads(sys.argv[4])
        else:
            del o[keys[-1]]
        with open(sys.argv[1], "w", encoding="utf-8") as f:
            json.dump(d, f, indent=2)
        return 0
    if len(sys.argv) == 4 and sys.argv[2] == "-p":
        v = eval(sys.argv[3], {}, {"d": load(sys.argv[1])})
        print(v if isinstance(v, str) else json.dumps(v))
        return 0
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    d = load(sys.argv[1])
    try:
        ok = eval(sys.argv[2], {}, {"d": d})
    except (KeyError, IndexError, TypeError) as e:
        ok, why = False, f" ({type(e).__name__}: {e})"
    else:
        why = ""
    if ok:
        return 0
    print(f"jsonq: {sys.argv[1]}: not true: {sys.argv[2]}{why}\n  document: {json.dumps(d)[:600]}",
          file=sys.stderr)
    return 1


sys.exit(main())
