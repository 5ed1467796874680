#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Validate barbench's JSON documents against docs/schemas/ (JSON Schema 2020-12).

usage: validate_json.py SCHEMA_DIR NAME FILE|- ...   each FILE against NAME.schema.json
       validate_json.py SCHEMA_DIR --check           every schema is itself a valid schema

Exit 0 when every document is valid, 1 (naming the document, the path in it
and what is wrong) when one is not, 2 on bad usage or when the validator is
missing (python3-jsonschema, scripts/deps).  A document with a duplicate key,
NaN or an infinity is invalid too: JSON has neither, and jansson never
writes them.
"""
import glob
import json
import os
import sys
import warnings

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError:
    print("validate_json: python3-jsonschema is missing (scripts/deps installs it)", file=sys.stderr)
    sys.exit(2)


def strict_pairs(pairs):
    keys = [k for k, _ in pairs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError(f"duplicate key(s) {dup}")
    return dict(pairs)


def no_constant(name):
    raise ValueError(f"{name} is not JSON")


def load(path):
    text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    return json.loads(text, object_pairs_hook=strict_pairs, parse_constant=no_constant)


def schemas_in(folder):
    out = {}
    for f in sorted(glob.glob(os.path.join(folder, "*.schema.json"))):
        s = load(f)
        out[os.path.basename(f)[: -len(".schema.json")]] = s
    return out


def validator(schemas, name):
    """A validator of schema NAME that resolves $ref to the other files (jsonschema 4.10 to 4.2x)."""
    schema = schemas[name]
    try:
        from referencing import Registry, Resource  # jsonschema >= 4.18
        registry = Registry().with_resources(
            (s["$id"], Resource.from_contents(s)) for s in schemas.values())
        return Draft202012Validator(schema, registry=registry)
    except ImportError:  # Debian 12: jsonschema 4.10, RefResolver
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            resolver = jsonschema.RefResolver.from_schema(
                schema, store={s["$id"]: s for s in schemas.values()})
            return Draft202012Validator(schema, resolver=resolver)


def main():
    if len(sys.argv) == 3 and sys.argv[2] == "--check":
        schemas = schemas_in(sys.argv[1])
        for name, s in schemas.items():
            Draft202012Validator.check_schema(s)
            if s.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
                print(f"validate_json: {name}: not a draft 2020-12 schema", file=sys.stderr)
                return 1
        print(f"validate_json: {len(schemas)} schemas are valid draft 2020-12 schemas")
        return 0
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    schemas = schemas_in(sys.argv[1])
    name = sys.argv[2]
    if name not in schemas:
        print(f"validate_json: no schema {name} in {sys.argv[1]}", file=sys.stderr)
        return 2
    v = validator(schemas, name)
    bad = 0
    for path in sys.argv[3:]:
        try:
            doc = load(path)
        except (OSError, ValueError) as e:
            print(f"validate_json: {path}: not one JSON document: {e}", file=sys.stderr)
            bad += 1
            continue
        errors = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errors[:10]:
            where = "/".join(str(p) for p in e.absolute_path) or "(top)"
            print(f"validate_json: {path}: {name}: at {where}: {e.message[:300]}", file=sys.stderr)
        bad += bool(errors)
    return 1 if bad else 0


sys.exit(main())
