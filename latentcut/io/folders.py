"""Sets of files written as one: a folder swapped in whole, and the outputs of one run.

- :func:`commit_folder` builds the new folder beside the old one and swaps them. It only ever
  replaces a folder latentcut made (one whose marker file :data:`MARKER` names every file in it,
  or one its caller recognises) or an empty one: a folder of the user's is never emptied or replaced.
- Inside :func:`output_set`, every write of :mod:`latentcut.io.atomic` is staged, and they are all
  put in place together at the end (or none, if the run fails first).
- A temporary folder of a killed run is removed by the next write to the same place.
"""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import shutil
import signal
import tempfile

from latentcut.io.atomic import ACTIVE_SET, OutputError, copy_out, fsync_dir, is_write_error, owner_dead, current_umask
from latentcut.io.rename import exchange as _exchange

MARKER = ".latentcut-folder"  #: written into every folder commit_folder makes, naming the files it wrote


# -- a folder of files as one write ----------------------------------------------------------------------

def _siblings(folder: str, tag: str) -> list[str]:
    parent, name = os.path.split(os.path.abspath(folder))
    prefix = f".{name}.{tag}-"
    try:
        return [os.path.join(parent, f) for f in os.listdir(parent) if f.startswith(prefix)]
    except OSError:
        return []


def recover_folder(folder: str, complete=lambda path: True) -> None:
    """Finish or undo a folder swap that a killed process left half done, and remove its leftovers.

    Only the fallback swap (two renames, where the file system cannot exchange) can leave
    ``folder`` missing; ``complete(path)`` tells whether a leftover holds a whole set of files.
    """
    folder = os.path.abspath(folder)
    new = [p for p in _siblings(folder, "new") if owner_dead(p)]
    old = [p for p in _siblings(folder, "old") if owner_dead(p)]
    if not os.path.exists(folder):
        done = [p for p in new if complete(p)]
        back = done or [p for p in old if complete(p)]
        if back:
            os.rename(max(back, key=os.path.getmtime), folder)
    for p in new + old:
        if os.path.exists(p):
            shutil.rmtree(p, ignore_errors=True)


def _listing(folder: str) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def _foreign(folder: str, names: list[str]) -> list[str]:
    """The files in ``folder`` that its marker does not list (all of them without a marker)."""
    if MARKER not in names:
        return names
    try:
        doc = json.loads(pathlib.Path(folder, MARKER).read_bytes())
        made = set(doc["files"]) if doc.get("made_by") == "latentcut" else set()
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        made = set()
    return sorted(set(names) - made - {MARKER})


def folder_is_ours(folder: str, owned=None) -> bool:
    """Whether latentcut may replace ``folder``: it does not exist, is empty, holds latentcut's
    marker naming every file in it, or ``owned(folder)`` recognises it (a folder latentcut wrote
    before it marked them)."""
    if not os.path.isdir(folder):
        return True
    names = _listing(folder)
    return not _foreign(folder, names) or bool(owned is not None and owned(folder))


def holds_only(*names: str):
    """An ``owned`` test for :func:`commit_folder`: the folder holds nothing but these files (a
    folder of latentcut's written before it marked its folders)."""
    allowed = set(names) | {MARKER}

    def owned(folder: str) -> bool:
        return set(_listing(folder)) <= allowed

    return owned


def _refuse_foreign(folder: str, shown: str, owned) -> None:
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise OutputError(f"{shown}: is a file, not a folder")
    if not folder_is_ours(folder, owned):
        names = _foreign(folder, _listing(folder))
        raise OutputError(f"{shown}: holds files latentcut did not make ({', '.join(names[:3])}"
                          f"{', ...' if len(names) > 3 else ''}); latentcut never replaces or empties a folder "
                          "of yours: give a new or empty folder")


def check_folder(folder: str | os.PathLike, opt: str = "", owned=None) -> None:
    """Fail now, before any work, if :func:`commit_folder` would refuse ``folder`` later."""
    shown = f"{opt + ' ' if opt else ''}{os.fspath(folder)}"
    folder = os.path.abspath(os.fspath(folder))
    _refuse_foreign(folder, shown, owned)
    os.rmdir(_mkdtemp_beside(folder, "probe", shown))


def _mkdtemp_beside(folder: str, tag: str, shown: str) -> str:
    """A new hidden folder ``.NAME.TAG-PID-RANDOM`` beside ``folder`` (its parents made), or
    OutputError saying why it cannot be written there."""
    parent, name = os.path.split(folder)
    try:
        os.makedirs(parent, exist_ok=True)
        return tempfile.mkdtemp(prefix=f".{name}.{tag}-{os.getpid()}-", dir=parent)
    except (FileExistsError, NotADirectoryError):  # what makedirs says of a file on the way
        raise OutputError(f"{shown}: cannot write there (a part of the path is a file, not a folder)") from None
    except OSError as exc:
        raise OutputError(f"{shown}: cannot write there ({exc.strerror})") from None


def commit_folder(folder: str | os.PathLike, write, complete=lambda path: True, owned=None) -> None:
    """Make ``folder`` hold exactly what ``write(tmp_folder)`` writes, as one atomic step.

    The new set is written to a hidden sibling folder, fsynced, then swapped with the old one
    (renameat2 exchange: at every instant ``folder`` is the whole old set or the whole new one).
    The new folder gets latentcut's marker; an existing folder is replaced only if
    :func:`folder_is_ours` (``owned`` as there), else nothing is written and OutputError says why.
    Inside :func:`output_set` the swap waits for the set's commit.
    """
    folder = os.path.abspath(os.fspath(folder))
    recover_folder(folder, complete)
    _refuse_foreign(folder, folder, owned)
    tmp = _mkdtemp_beside(folder, "new", folder)
    staged = ACTIVE_SET.get()
    try:
        os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp makes 0700
        try:
            write(tmp)
            made = sorted(os.listdir(tmp))
            pathlib.Path(tmp, MARKER).write_bytes(json.dumps({"made_by": "latentcut", "files": made}).encode())
            for f in os.listdir(tmp):
                fd = os.open(os.path.join(tmp, f), os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except OSError as exc:
            if not is_write_error(exc):
                raise
            raise OutputError(f"{folder}: cannot write ({exc.strerror or exc})") from None
        fsync_dir(tmp)
        if staged is not None:
            staged._stage_folder(tmp, folder)
            return
        _swap_in(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_in(tmp: str, folder: str) -> None:
    parent = os.path.dirname(folder)
    if os.path.exists(folder):
        if _exchange(tmp, folder):
            fsync_dir(parent)
            shutil.rmtree(tmp, ignore_errors=True)  # now the old set
            return
        old = _mkdtemp_beside(folder, "old", folder)
        os.rmdir(old)
        os.rename(folder, old)
        os.rename(tmp, folder)
        fsync_dir(parent)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, folder)
        fsync_dir(parent)


# -- the outputs of one run as one write --------------------------------------------------------------


@contextlib.contextmanager
def _signals_held():
    """Ctrl-C and SIGTERM wait while a set of outputs is put in place (a few renames)."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # no signal masks here (Windows)
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _OutputSet:
    def __init__(self) -> None:
        self._files: list[tuple[str, str, str]] = []  # (temporary file, target, kind)
        self._folders: list[tuple[str, str]] = []  # (temporary folder, target)

    def _stage_file(self, tmp: str, real: str, kind: str = "atomic") -> None:
        self._files.append((tmp, real, kind))

    def _stage_folder(self, tmp: str, folder: str) -> None:
        self._folders.append((tmp, folder))

    def _commit(self) -> None:
        with _signals_held():
            for tmp, folder in self._folders:
                _swap_in(tmp, folder)
            for tmp, real, kind in self._files:
                if kind == "atomic":
                    os.replace(tmp, real)
                else:
                    copy_out(tmp, real, kind)
                    os.unlink(tmp)
            for folder in {os.path.dirname(r) for _, r, _ in self._files}:
                fsync_dir(folder)
        self._files, self._folders = [], []

    def _abort(self) -> None:
        for tmp, _, _ in self._files:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for tmp, _ in self._folders:
            shutil.rmtree(tmp, ignore_errors=True)
        self._files, self._folders = [], []


@contextlib.contextmanager
def output_set():
    """Every output written inside is staged and all are put in place together when the block
    ends without an error (or none of them: an error or interruption leaves every old output)."""
    if ACTIVE_SET.get() is not None:  # nested: the outer set commits
        yield
        return
    staged = _OutputSet()
    token = ACTIVE_SET.set(staged)
    try:
        yield
    except BaseException:
        ACTIVE_SET.reset(token)
        staged._abort()
        raise
    ACTIVE_SET.reset(token)
    try:
        staged._commit()
    except BaseException:
        staged._abort()
        raise
