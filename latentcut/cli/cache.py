"""`latentcut cache`."""
from __future__ import annotations

import os


def add_parser(sub) -> None:
    ca = sub.add_parser("cache", help="show or clear the embedding and model cache")
    ca.add_argument("action", choices=["info", "clear"])
    ca.add_argument("--cache-dir", metavar="DIR")
    ca.set_defaults(func=run)


def run(args) -> int:
    from latentcut.cache import EmbeddingCache, cache_root, clear_models, is_model_entry

    root = cache_root(args.cache_dir)
    cache = EmbeddingCache(root)
    models = os.path.join(root, "models")
    if args.action == "clear":
        removed, size, left = cache.clear()
        gone_models, left_models = clear_models(root)
        for p in removed + gone_models:
            print(f"removed {p}")
        print(f"removed {len(removed)} embedding entries ({size / 1e6:.1f} MB) and {len(gone_models)} self-trained "
              f"models from {root}")
        if left or left_models:
            print(f"left {len(left) + len(left_models)} file(s) latentcut did not make, untouched: "
                  + ", ".join(left + left_models)[:2000])
    else:
        entries = cache.entries()
        size = sum(os.path.getsize(p) for p in entries)
        m = sum(is_model_entry(os.path.join(models, f)) for f in os.listdir(models)) if os.path.isdir(models) else 0
        print(f"{root}: {len(entries)} embedding entries ({size / 1e6:.1f} MB), {m} self-trained models")
    return 0
