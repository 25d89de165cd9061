"""`latentcut schema`: the JSON Schema of `detect -o`'s document."""
from __future__ import annotations


def add_parser(sub) -> None:
    s = sub.add_parser("schema", help="print the JSON Schema of detect's JSON output (format 2)")
    s.set_defaults(func=run)


def run(args) -> int:
    from importlib import resources

    print(resources.files("latentcut.detection").joinpath("detect.schema.json").read_text(encoding="utf-8"), end="")
    return 0
