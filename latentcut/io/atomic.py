"""Writes that never leave a half-written file, never replace what is not a file, never touch an input.

- A regular file (or a new one) is written to a temporary file beside it, fsynced and renamed
  into place: an interrupted run leaves the old file or the new one, never a mix.
- ``-`` means standard output. An existing symlink is followed: its target is replaced (atomically,
  in the target's folder), the link stays a link. An existing non-regular file (a terminal,
  ``/dev/stdout``, a pipe) is written through, never renamed over.
- A set of files that belong together (a model folder, a training checkpoint) is one write:
  :func:`commit_folder` builds the new folder beside the old one and swaps them.
- :func:`check_outputs` refuses an output path that is one of the inputs.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import stat
import sys
import tempfile

from latentcut.errors import LatentcutError

STDOUT = "-"


class OutputError(LatentcutError):
    """An output path that cannot or must not be written."""


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _umask_mode() -> int:
    return 0o666 & ~_umask()


def _target(path: str) -> tuple[str, str]:
    """(kind, real path): kind is "stdout", "through" (an existing non-regular file) or "atomic"."""
    if path == STDOUT:
        return "stdout", path
    real = os.path.realpath(path)  # follows symlinks: the link itself is never replaced
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return "atomic", real
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{path}: is a directory; give a file name")
    if not stat.S_ISREG(st.st_mode):
        return "through", real
    return "atomic", real


def _mkstemp(real: str, shown: str) -> tuple[int, str]:
    folder = os.path.dirname(real)
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(real) + ".", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"{shown}: cannot write there ({exc.strerror})") from None
    os.chmod(tmp, _umask_mode())  # mkstemp makes 0600; outputs get the usual umask-based mode
    return fd, tmp


def _replace(tmp: str, real: str) -> None:
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, real)
    _fsync_dir(os.path.dirname(real))


def _fsync_dir(folder: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", **kwargs):
    """Open ``path`` for writing as described in the module docstring; yields a file object."""
    path = os.fspath(path)
    kind, real = _target(path)
    binary = "b" in mode
    if kind == "stdout":
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    if kind == "through":
        try:
            f = open(real, mode, **kwargs)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
        with f:
            yield f
        return
    fd, tmp = _mkstemp(real, path)
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
        _replace(tmp, real)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike):
    """A temporary file name for writers that take a name (savefig, PIL, FAISS, safetensors);
    on success its content goes to ``path`` by the rules above. Removed on failure."""
    path = os.fspath(path)
    kind, real = _target(path)
    fd, tmp = _mkstemp(real if kind == "atomic" else os.path.join(tempfile.gettempdir(), "latentcut-out"), path)
    os.close(fd)
    try:
        yield tmp
        if kind == "atomic":
            _replace(tmp, real)
        else:
            with open(tmp, "rb") as src, (open(real, "wb") if kind == "through" else contextlib.nullcontext(sys.stdout.buffer)) as dst:
                shutil.copyfileobj(src, dst)
                dst.flush()
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def check_writable(path: str, opt: str = "") -> None:
    """Fail now, before any work, if ``path`` could not be written later."""
    shown = f"{opt} {path}".strip()
    try:
        kind, real = _target(path)
    except OutputError as exc:
        raise OutputError(f"{opt + ' ' if opt else ''}{exc}") from None
    if kind == "atomic":
        fd, tmp = _mkstemp(real, shown)
        os.close(fd)
        os.unlink(tmp)
    elif kind == "through" and not os.access(real, os.W_OK):
        raise OutputError(f"{shown}: cannot write (permission denied)")


# -- inputs are never outputs ------------------------------------------------------------------------


def _same(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links, bind mounts
    except OSError:
        return False


def check_outputs(inputs: dict[str, str], outputs: dict[str, str]) -> None:
    """Refuse any output that is one of the inputs, or two outputs that are one file.

    ``inputs`` and ``outputs`` map what the user called it (``"--csv"``, ``"video"``) to a path;
    ``None`` values are skipped. Folders given as inputs protect every file inside them.
    """
    outs = [(k, v) for k, v in outputs.items() if v and v != STDOUT]
    ins = [(k, v) for k, v in inputs.items() if v]
    for opt, out in outs:
        for what, inp in ins:
            if not os.path.exists(inp):
                continue
            if _same(out, inp) or (os.path.isdir(inp) and os.path.realpath(out).startswith(os.path.realpath(inp) + os.sep)):
                raise OutputError(f"{opt} {out}: is the input {what} ({inp}); latentcut never writes over an input")
    for i, (opt, out) in enumerate(outs):
        for opt2, out2 in outs[i + 1 :]:
            if _same(out, out2):
                raise OutputError(f"{opt} and {opt2} name the same file ({out}); give each its own")


# -- a folder of files as one write ----------------------------------------------------------------------

_RENAME_EXCHANGE = 2
_libc = None


def _exchange(a: str, b: str) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    global _libc
    if not sys.platform.startswith("linux"):
        return False
    if _libc is None:
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            _libc.renameat2  # noqa: B018 - glibc >= 2.28
        except (OSError, AttributeError):
            _libc = False
    if not _libc:
        return False
    at_fdcwd = -100
    rc = _libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), b)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _siblings(folder: str, tag: str) -> list[str]:
    parent, name = os.path.split(os.path.abspath(folder))
    prefix = f".{name}.{tag}-"
    try:
        return [os.path.join(parent, f) for f in os.listdir(parent) if f.startswith(prefix)]
    except OSError:
        return []


def _owner_dead(path: str) -> bool:
    try:
        pid = int(os.path.basename(path).rsplit("-", 2)[-2])
    except (ValueError, IndexError):
        return True
    return pid != os.getpid() and not _pid_alive(pid)


def recover_folder(folder: str, complete=lambda path: True) -> None:
    """Finish or undo a folder swap that a killed process left half done, and remove its leftovers.

    Only the fallback swap (two renames, where the file system cannot exchange) can leave
    ``folder`` missing; ``complete(path)`` tells whether a leftover holds a whole set of files.
    """
    folder = os.path.abspath(folder)
    new = [p for p in _siblings(folder, "new") if _owner_dead(p)]
    old = [p for p in _siblings(folder, "old") if _owner_dead(p)]
    if not os.path.exists(folder):
        done = [p for p in new if complete(p)]
        back = done or [p for p in old if complete(p)]
        if back:
            os.rename(max(back, key=os.path.getmtime), folder)
    for p in new + old:
        if os.path.exists(p):
            shutil.rmtree(p, ignore_errors=True)


def commit_folder(folder: str | os.PathLike, write, complete=lambda path: True) -> None:
    """Make ``folder`` hold exactly what ``write(tmp_folder)`` writes, as one atomic step.

    The new set is written to a hidden sibling folder, fsynced, then swapped with the old one
    (renameat2 exchange: at every instant ``folder`` is the whole old set or the whole new one).
    """
    folder = os.path.abspath(os.fspath(folder))
    parent, name = os.path.split(folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise OutputError(f"{folder}: is a file, not a folder")
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write there ({exc.strerror})") from None
    recover_folder(folder, complete)
    try:
        tmp = tempfile.mkdtemp(prefix=f".{name}.new-{os.getpid()}-", dir=parent)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write there ({exc.strerror})") from None
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
        write(tmp)
        for f in os.listdir(tmp):
            with open(os.path.join(tmp, f), "rb+") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(tmp)
        if os.path.exists(folder):
            if _exchange(tmp, folder):
                _fsync_dir(parent)
                shutil.rmtree(tmp, ignore_errors=True)  # now the old set
                return
            old = tempfile.mkdtemp(prefix=f".{name}.old-{os.getpid()}-", dir=parent)
            os.rmdir(old)
            os.rename(folder, old)
            os.rename(tmp, folder)
            _fsync_dir(parent)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, folder)
            _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
