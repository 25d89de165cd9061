"""`latentcut plugins`."""
from __future__ import annotations


def add_parser(sub) -> None:
    pl = sub.add_parser("plugins", help="list registered encoders, distances, thresholders, verifiers and fade finders",
                        description="List the registered plugins; -v adds what each declares: defaults and properties.")
    pl.set_defaults(func=run)


def run(args) -> int:
    from latentcut.detection.fades import fade_finders
    from latentcut.detection.thresholders import thresholders
    from latentcut.detection.verifiers import verifiers
    from latentcut.encoders import encoders
    from latentcut.extras import MissingExtraError
    from latentcut.scoring.distances import distances

    for kind, registry in (("encoders", encoders), ("distances", distances), ("thresholders", thresholders),
                           ("verifiers", verifiers), ("fade finders", fade_finders)):
        print(f"{kind}: {', '.join(registry.names())}")
        if args.verbose:
            for name in registry.names():
                try:
                    meta = registry.metadata(name)
                except MissingExtraError as exc:
                    print(f"  {name}: not installed ({str(exc).split(': ', 1)[-1]})")
                    continue
                facts = ", ".join(f"{k}={v}" for k, v in meta.items() if k not in ("name", "class", "doc", "defaults"))
                defaults = ", ".join(f"{k}={v}" for k, v in meta["defaults"].items())
                print(f"  {name}: {meta['doc']}")
                print(f"    {facts}{'; ' if facts and defaults else ''}{defaults}")
    return 0
