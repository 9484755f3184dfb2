#!/usr/bin/env python3
"""Validates JSON documents against a JSON Schema (draft 2020-12).

Usage: validate_json.py SCHEMA JSON... Exit 0 when every document is valid; otherwise each error is
printed as FILE: JSON-PATH: message and the exit status is 1 (2 for unreadable input or a bad schema).
"""
import json
import sys

import jsonschema


def leaves(error):
    """The errors behind an anyOf or oneOf (a nullable field): those of the branch that got deepest, when
    it got deeper than the field itself; else the error as it is."""
    deepest = max((len(c.absolute_path) for c in error.context), default=-1)
    if deepest <= len(error.absolute_path):
        yield error
        return
    for c in error.context:
        if len(c.absolute_path) == deepest:
            yield from leaves(c)


def main(argv):
    if len(argv) < 3:
        print("usage: validate_json.py SCHEMA JSON...", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
        print(f"{argv[1]}: bad schema: {e}", file=sys.stderr)
        return 2
    validator = jsonschema.Draft202012Validator(schema)
    errors = 0
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: unreadable: {e}", file=sys.stderr)
            return 2
        for top in sorted(validator.iter_errors(doc), key=lambda e: e.json_path):
            for e in leaves(top):
                print(f"{path}: {e.json_path}: {e.message}")
                errors += 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
