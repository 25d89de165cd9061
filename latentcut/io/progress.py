"""Progress of long work: a bar on a terminal, a status line now and then off it, nothing when asked.

``showing(False)`` (the command line's ``-q``) silences everything inside it; ``showing(True)``
forces bars; the default decides by whether standard error is a terminal. Off a terminal a job
says nothing for its first ``STATUS_EVERY`` seconds, so short work stays quiet in logs.
"""
from __future__ import annotations

import contextlib
import contextvars
import sys
import time

STATUS_EVERY = 10.0  #: seconds between status lines off a terminal

_ENABLED: contextvars.ContextVar = contextvars.ContextVar("latentcut_progress", default=None)


@contextlib.contextmanager
def showing(enabled: bool | None):
    token = _ENABLED.set(enabled)
    try:
        yield
    finally:
        _ENABLED.reset(token)


def setting() -> bool | None:
    """What the innermost :func:`showing` asked for (None: decide by the terminal)."""
    return _ENABLED.get()


def wanted(enabled: bool | None) -> bool | None:
    """False: silent; True: a bar; None: a bar on a terminal, status lines off it."""
    return _ENABLED.get() if enabled is None else enabled


def status(message: str, enabled: bool | None = None) -> None:
    """One line on standard error (``latentcut: ...``), unless progress is off."""
    if wanted(enabled) is not False:
        print(f"latentcut: {message}", file=sys.stderr, flush=True)


class StatusLine:
    """tqdm's ``update``/``close`` as a line every ``every`` seconds (logs, CI, pipes)."""

    def __init__(self, total: int | None, desc: str, unit: str, every: float = STATUS_EVERY):
        self.total, self.desc, self.unit, self.every = total, desc, unit, every
        self.n = 0
        self.t0 = self.last = time.monotonic()
        self.spoke = False

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self._say(now)

    def _say(self, now: float) -> None:
        rate = self.n / max(now - self.t0, 1e-9)
        of = f"/{self.total}" if self.total else ""
        pct = f" ({100 * self.n / self.total:.0f}%)" if self.total else ""
        print(f"latentcut: {self.desc}: {self.n}{of} {self.unit}s{pct}, {rate:.1f} {self.unit}s/s", file=sys.stderr,
              flush=True)
        self.spoke = True

    def close(self) -> None:
        if self.spoke:  # a job that reported along the way also says that it ended
            self._say(time.monotonic())


def bar(total: int | None, desc: str, unit: str = "frame", enabled: bool | None = None):
    """A progress object with ``update(n)`` and ``close()``, or None when progress is off."""
    want = wanted(enabled)
    if want is False:
        return None
    if want or sys.stderr.isatty():
        from tqdm.auto import tqdm

        return tqdm(total=total or None, unit=unit, desc=desc, leave=False, dynamic_ncols=True)
    return StatusLine(total, desc, unit)
