"""Writes that never leave a half-written file, never replace what is not a file, never touch an input.

- A regular file (or a new one) is written to a temporary file beside it, fsynced and renamed
  into place: an interrupted run leaves the old file or the new one, never a mix.
- ``-`` means standard output. An existing symlink is followed: its target is replaced (atomically,
  in the target's folder), the link stays a link. An existing non-regular file (a terminal,
  ``/dev/stdout``, a pipe) is written through, never renamed over.
- Sets of files (a folder, one run's outputs) are one write: :mod:`latentcut.io.folders`.
- A temporary file of a killed run is removed by the next run that writes into its folder.
- :func:`check_outputs` refuses an output path that is one of the inputs.
"""
from __future__ import annotations

import contextlib
import contextvars
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


def current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _umask_mode() -> int:
    return 0o666 & ~current_umask()


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


_CLEANED: set[str] = set()  #: folders this process has already swept (a sweep lists the whole folder)


def _clean_stale(real: str) -> None:
    """Remove the temporary files killed runs left in ``real``'s folder (their names carry the
    writer's process id), once a process per folder: a folder of many outputs is listed once."""
    folder = os.path.dirname(real)
    if folder in _CLEANED:
        return
    _CLEANED.add(folder)
    try:
        names = [f for f in os.listdir(folder) if f.startswith(".") and ".latentcut-" in f and f.endswith(".tmp")]
    except OSError:
        return
    for f in names:
        path = os.path.join(folder, f)
        if owner_dead(path[: -len(".tmp")]):
            with contextlib.suppress(OSError):
                os.unlink(path)


def _mkstemp(real: str, shown: str) -> tuple[int, str]:
    folder = os.path.dirname(real)
    try:
        os.makedirs(folder, exist_ok=True)
        _clean_stale(real)
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(real)}.latentcut-{os.getpid()}-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"{shown}: cannot write there ({exc.strerror})") from None
    os.chmod(tmp, _umask_mode())  # mkstemp makes 0600; outputs get the usual umask-based mode
    return fd, tmp


_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}


def is_write_error(exc: OSError) -> bool:
    """A full disk or a failing device: the output's path is what the user needs to hear."""
    return exc.errno in _WRITE_ERRORS


def _replace(tmp: str, real: str) -> None:
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, real)
    fsync_dir(os.path.dirname(real))


def fsync_dir(folder: str) -> None:
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
    staged = ACTIVE_SET.get()
    try:
        try:
            with os.fdopen(fd, mode, **kwargs) as f:
                yield f
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            if not is_write_error(exc):
                raise
            raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
        if staged is not None:
            staged._stage_file(tmp, real)
        else:
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
    staged = ACTIVE_SET.get()
    handed_over = False  # to the output set, which then owns the temporary file
    try:
        try:
            yield tmp
        except OSError as exc:
            if not is_write_error(exc):
                raise
            raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
        if staged is not None:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            staged._stage_file(tmp, real, kind)
            handed_over = True
        elif kind == "atomic":
            _replace(tmp, real)
        else:
            copy_out(tmp, real, kind)
    finally:
        if not handed_over:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def copy_out(tmp: str, real: str, kind: str) -> None:
    with open(tmp, "rb") as src, (open(real, "wb") if kind == "through" else contextlib.nullcontext(sys.stdout.buffer)) as dst:
        shutil.copyfileobj(src, dst)
        dst.flush()


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
                raise OutputError(f"{opt} {out}: is an input ({what}: {inp}); latentcut never writes over an input")
    for i, (opt, out) in enumerate(outs):
        for opt2, out2 in outs[i + 1 :]:
            if _same(out, out2):
                raise OutputError(f"{opt} and {opt2} name the same file ({out}); give each its own")


# -- processes, for a killed run's leftovers ---------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_dead(path: str) -> bool:
    """``path`` ends in ``-PID-RANDOM``: whether that process is gone."""
    try:
        pid = int(os.path.basename(path).rsplit("-", 2)[-2])
    except (ValueError, IndexError):
        return True
    return pid != os.getpid() and not _pid_alive(pid)


#: the output set being written (latentcut.io.folders.output_set), if any: writes are staged into it
ACTIVE_SET: contextvars.ContextVar = contextvars.ContextVar("latentcut_output_set", default=None)
