"""`latentcut plugins`."""
from __future__ import annotations




def add_parser(sub) -> None:
    pl = sub.add_parser("plugins", help="list registered encoders, distances and thresholders")
    pl.set_defaults(func=run)


def run(args) -> int:
    from ..distances import list_distances
    from ..encoders import list_encoders
    from ..thresholders import list_thresholders

    for kind, names in (("encoders", list_encoders()), ("distances", list_distances()), ("thresholders", list_thresholders())):
        print(f"{kind}: {', '.join(names)}")
    return 0
