"""Which files in a folder latentcut wrote, so a later run may replace its own files (a batch
re-run after an interruption, a new in-betweening run) but never a file of the user's.

The ledger is a hidden JSON file in the folder: for each file latentcut wrote there, its size
and modification time when written. A file whose size or time has changed since is the user's
now (edited or replaced), and is protected like any other.
"""
from __future__ import annotations

import json
import os
import pathlib

from latentcut.io.atomic import atomic_write

NAME = ".latentcut-written.json"
FORMAT = "latentcut.written/1"


class Ledger:
    def __init__(self, folder: str):
        self.folder = os.path.abspath(folder)
        self.path = os.path.join(self.folder, NAME)
        self.files: dict[str, dict] = self._read()

    def _read(self) -> dict[str, dict]:
        try:
            doc = json.loads(pathlib.Path(self.path).read_bytes())
        except (OSError, ValueError):
            return {}
        files = doc.get("files") if isinstance(doc, dict) and doc.get("format") == FORMAT else None
        if not isinstance(files, dict):
            return {}
        # files gone since are dropped here, once, rather than at every save
        return {k: v for k, v in files.items()
                if isinstance(v, dict) and os.path.lexists(os.path.join(self.folder, k))}

    def _key(self, path: str) -> str | None:
        path = os.path.abspath(path)
        return os.path.basename(path) if os.path.dirname(path) == self.folder else None

    def owns(self, path: str) -> bool:
        """Whether ``path`` is a file latentcut wrote here and nobody has changed since."""
        want = self.files.get(self._key(path))
        if want is None:
            return False
        try:
            st = os.lstat(path)
        except OSError:
            return False
        return st.st_size == want.get("size") and st.st_mtime_ns == want.get("mtime_ns")

    def record(self, paths) -> None:
        """Note these files (just written) as latentcut's, and save the ledger."""
        for p in paths:
            key = self._key(p)
            if key is None:
                continue
            try:
                st = os.stat(p)
            except OSError:
                continue
            self.files[key] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
        self.save()

    def mine(self) -> list[str]:
        """The files here that latentcut wrote and nobody changed since."""
        return [os.path.join(self.folder, k) for k in sorted(self.files) if self.owns(os.path.join(self.folder, k))]

    def save(self) -> None:
        os.makedirs(self.folder, exist_ok=True)
        with atomic_write(self.path, "wb") as f:
            f.write(json.dumps({"format": FORMAT, "files": self.files}).encode())
